#include "client/portal/portal_config.h"

#include <gtest/gtest.h>

#include <map>

namespace moderation::portal {
namespace {

absl::StatusOr<PortalConfig> ConfigWith(std::map<std::string, std::string> environment) {
  return ConfigFromEnvironment(
      [&](const char* name) -> std::optional<std::string> {
        const auto found = environment.find(name);
        return found == environment.end() ? std::nullopt
                                          : std::optional<std::string>(found->second);
      },
      "/static");
}

TEST(PortalConfigTest, DefaultsServeLoopback) {
  absl::StatusOr<PortalConfig> config = ConfigWith({});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->portal.listen, "127.0.0.1:8080");
  EXPECT_EQ(config->backend.server, "127.0.0.1:50051");
  EXPECT_EQ(config->portal.static_dir, "/static");
  EXPECT_TRUE(config->portal.trusted_proxies.empty());
  EXPECT_FALSE(config->backend.tls);
  EXPECT_EQ(config->backend.token, "");
}

TEST(PortalConfigTest, ReadsEverySetting) {
  absl::StatusOr<PortalConfig> config =
      ConfigWith({{"PORTAL_LISTEN", "0.0.0.0:80"},
                  {"PORTAL_SERVER", "moderation:50051"},
                  {"PORTAL_TOKEN", " secret\n"},
                  {"PORTAL_TLS", "1"},
                  {"PORTAL_TLS_CA", "ca.crt"},
                  {"PORTAL_TRUSTED_PROXIES", "10.0.0.2, ::ffff:10.0.0.3"},
                  {"PORTAL_PAGE_SIZE", "25"},
                  {"PORTAL_DEADLINE_MS", "1500"}});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->backend.token, "secret");
  EXPECT_TRUE(config->backend.tls);
  EXPECT_EQ(config->backend.tls_ca_file, "ca.crt");
  EXPECT_EQ(config->portal.trusted_proxies, (std::vector<std::string>{"10.0.0.2", "10.0.0.3"}));
  EXPECT_EQ(config->portal.page_size, 25);
  EXPECT_EQ(config->backend.deadline, std::chrono::milliseconds(1500));
}

TEST(PortalConfigTest, RefusesBadValuesNamingTheVariable) {
  for (const auto& [name, value] :
       std::map<std::string, std::string>{{"PORTAL_TRUSTED_PROXIES", "10.0.0.0/8"},
                                          {"PORTAL_PAGE_SIZE", "0"},
                                          {"PORTAL_PAGE_SIZE", "ten"},
                                          {"PORTAL_TLS", "yes"},
                                          {"PORTAL_DEADLINE_MS", "10"}}) {
    absl::StatusOr<PortalConfig> config = ConfigWith({{name, value}});
    ASSERT_FALSE(config.ok()) << name;
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(config.status().message().find(name), std::string::npos) << config.status();
  }
  EXPECT_FALSE(ConfigWith({{"PORTAL_TOKEN", "a"}, {"PORTAL_TOKEN_FILE", "/f"}}).ok());
}

}  // namespace
}  // namespace moderation::portal
