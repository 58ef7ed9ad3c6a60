#include "service/config/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "tests/support/process.h"

namespace moderation::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class ConfigTest : public ::testing::Test {
 protected:
  std::string WriteToml(const std::string& text) {
    std::string path = dir_.path() + "/moderation.toml";
    std::ofstream(path) << text;
    return path;
  }
  testing::TempDir dir_;
};

TEST_F(ConfigTest, DefaultsNeedNoFile) {
  absl::StatusOr<LoadedConfig> loaded = LoadConfig(std::nullopt, {});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->config.listen, "127.0.0.1:50051");
  EXPECT_EQ(loaded->config.redis.url, "redis://127.0.0.1:6379");
  EXPECT_FALSE(loaded->config.dev_reveal_captcha);
  EXPECT_EQ(loaded->config.limits.body_max_chars, 5000u);
}

TEST_F(ConfigTest, ReadsTomlSections) {
  const std::string path = WriteToml(R"(
listen = "0.0.0.0:6000"
[redis]
url = "unix:///run/redis.sock"
command_timeout_ms = 250
[limits]
body_max_chars = 2000
)");
  absl::StatusOr<LoadedConfig> loaded = LoadConfig(path, {});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->config.listen, "0.0.0.0:6000");
  EXPECT_EQ(loaded->config.redis.url, "unix:///run/redis.sock");
  EXPECT_EQ(loaded->config.redis.command_timeout_ms, 250);
  EXPECT_EQ(loaded->config.limits.body_max_chars, 2000u);
}

TEST_F(ConfigTest, EnvironmentOverridesTheFile) {
  const std::string path = WriteToml("listen = \"0.0.0.0:6000\"\n");
  absl::StatusOr<LoadedConfig> loaded =
      LoadConfig(path, {{"MODERATION_LISTEN", "127.0.0.1:7000"},
                        {"MODERATION_REDIS_URL", "redis://redis:6379/2"},
                        {"MODERATION_DEV_REVEAL_CAPTCHA", "1"},
                        {"MODERATION_LIMITS_NAME_MAX_CHARS", "50"}});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->config.listen, "127.0.0.1:7000");
  EXPECT_EQ(loaded->config.redis.url, "redis://redis:6379/2");
  EXPECT_TRUE(loaded->config.dev_reveal_captcha);
  EXPECT_EQ(loaded->config.limits.name_max_chars, 50u);
}

TEST_F(ConfigTest, UnknownKeyIsAnError) {
  const absl::Status status = LoadConfig(WriteToml("[redis]\nurll = \"x\"\n"), {}).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("unknown key redis.urll"));
}

TEST_F(ConfigTest, WrongTypeAndRangeAreErrors) {
  EXPECT_THAT(
      LoadConfig(WriteToml("[redis]\ncommand_timeout_ms = \"fast\"\n"), {}).status().message(),
      HasSubstr("redis.command_timeout_ms must be an integer"));
  EXPECT_THAT(LoadConfig(WriteToml("[captcha]\nlength = 99\n"), {}).status().message(),
              HasSubstr("captcha.length must be between 4 and 10"));
  EXPECT_FALSE(LoadConfig(std::nullopt, {{"MODERATION_DEV_REVEAL_CAPTCHA", "maybe"}}).ok());
  EXPECT_FALSE(LoadConfig(std::nullopt, {{"MODERATION_QUEUE_MAX_PAGE_SIZE", "-1"}}).ok());
}

TEST_F(ConfigTest, TransportLimitsHaveDefaultsAndOverrides) {
  absl::StatusOr<LoadedConfig> defaults = LoadConfig(std::nullopt, {});
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->config.transport.max_connection_idle_ms, 300000);
  EXPECT_EQ(defaults->config.transport.memory_quota_mb, 256);
  EXPECT_EQ(defaults->config.limits.combining_marks_max, 4u);
  absl::StatusOr<LoadedConfig> loaded =
      LoadConfig(WriteToml("[transport]\nmax_connection_age_ms = 60000\n"),
                 {{"MODERATION_TRANSPORT_MAX_CONNECTION_IDLE_MS", "1000"},
                  {"MODERATION_TRANSPORT_MAX_PING_STRIKES", "0"}});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->config.transport.max_connection_age_ms, 60000);
  EXPECT_EQ(loaded->config.transport.max_connection_idle_ms, 1000);
  EXPECT_EQ(loaded->config.transport.max_ping_strikes, 0);
  EXPECT_THAT(LoadConfig(std::nullopt, {{"MODERATION_TRANSPORT_HANDSHAKE_TIMEOUT_MS", "0"}})
                  .status()
                  .message(),
              HasSubstr("transport.handshake_timeout_ms must be between"));
}

TEST_F(ConfigTest, SyntaxErrorNamesTheLine) {
  const absl::Status status = LoadConfig(WriteToml("listen = \n"), {}).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr(":1:"));
}

TEST_F(ConfigTest, ReportsUnknownEnvironmentVariablesButKnowsTheSecrets) {
  absl::StatusOr<LoadedConfig> loaded =
      LoadConfig(std::nullopt, {{"MODERATION_REDIS_ULR", "x"},
                                {"MODERATION_SECRET_KEY_FILE", "/run/secrets/key"},
                                {"PATH", "/bin"}});
  ASSERT_TRUE(loaded.ok());
  EXPECT_THAT(loaded->unknown_environment, ElementsAre("MODERATION_REDIS_ULR"));
}

TEST_F(ConfigTest, DescribesEverySettingWithItsVariable) {
  const std::string description = DescribeSettings();
  EXPECT_THAT(description,
              HasSubstr("redis.url = \"redis://127.0.0.1:6379\"    # MODERATION_REDIS_URL"));
  EXPECT_THAT(description, HasSubstr("# MODERATION_DEV_REVEAL_CAPTCHA"));
  // One line per setting, each naming the variable that overrides it.
  for (absl::string_view line : absl::StrSplit(description, '\n', absl::SkipEmpty())) {
    const std::vector<std::string> halves = absl::StrSplit(line, "    # ");
    ASSERT_EQ(halves.size(), 2u) << line;
    const std::string key = halves[0].substr(0, halves[0].find(" = "));
    std::string expected = "MODERATION_" + absl::AsciiStrToUpper(key);
    absl::StrReplaceAll({{".", "_"}}, &expected);
    EXPECT_EQ(halves[1], expected) << line;
  }
}

TEST_F(ConfigTest, EverySettingSaysWhatItMeans) {
  const std::vector<std::string> undescribed = UndescribedSettings();
  EXPECT_TRUE(undescribed.empty())
      << "say what these mean in service/config/config.cc: " << absl::StrJoin(undescribed, ", ");
}

// docs/configuration.md carries the generated table between two markers, so
// the reference cannot drift from the schema: regenerate it with
// `moderation-server --describe-config --format markdown`.
TEST_F(ConfigTest, ReferenceDocumentIsTheGeneratedTable) {
  std::ifstream file(std::string(MODERATION_SOURCE_DIR) + "/docs/configuration.md");
  ASSERT_TRUE(file) << "docs/configuration.md not found";
  const std::string text(std::istreambuf_iterator<char>(file), {});
  const std::string begin = "<!-- settings:begin -->\n";
  const std::string end = "<!-- settings:end -->";
  const std::size_t from = text.find(begin);
  const std::size_t to = text.find(end);
  ASSERT_NE(from, std::string::npos);
  ASSERT_NE(to, std::string::npos);
  EXPECT_EQ(text.substr(from + begin.size(), to - from - begin.size()), DescribeSettingsMarkdown())
      << "regenerate the table: moderation-server --describe-config --format markdown";
}

TEST_F(ConfigTest, ReadsTlsAndTokenTables) {
  const std::string path = WriteToml(R"(
insecure = true
[tls]
cert_file = "/etc/moderation/tls/tls.crt"
key_file = "/etc/moderation/tls/tls.key"
client_ca_file = "/etc/moderation/tls/ca.crt"
[auth]
tokens_file = "/run/secrets/tokens/tokens"
[[auth.tokens]]
name = "portal-web"
role = "portal"
sha256 = "aa"
[[auth.tokens]]
name = "lan"
role = "moderator"
sha256 = "bb"
)");
  absl::StatusOr<LoadedConfig> loaded = LoadConfig(path, {});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  const ServerConfig& config = loaded->config;
  EXPECT_TRUE(config.insecure);
  EXPECT_EQ(config.tls.cert_file, "/etc/moderation/tls/tls.crt");
  EXPECT_EQ(config.tls.key_file, "/etc/moderation/tls/tls.key");
  EXPECT_EQ(config.tls.client_ca_file, "/etc/moderation/tls/ca.crt");
  EXPECT_EQ(config.auth.tokens_file, "/run/secrets/tokens/tokens");
  ASSERT_EQ(config.auth.tokens.size(), 2u);
  EXPECT_EQ(config.auth.tokens[0].name, "portal-web");
  EXPECT_EQ(config.auth.tokens[0].role, "portal");
  EXPECT_EQ(config.auth.tokens[0].sha256, "aa");
  EXPECT_EQ(config.auth.tokens[1].name, "lan");
  EXPECT_EQ(config.auth.tokens[1].sha256, "bb");
}

TEST_F(ConfigTest, TokenTablesHoldNameRoleAndSha256Only) {
  EXPECT_THAT(LoadConfig(WriteToml("[[auth.tokens]]\nname = \"lan\"\ntoken = \"x\"\n"), {})
                  .status()
                  .message(),
              HasSubstr("auth.tokens[0]: unknown key token"));
  EXPECT_THAT(
      LoadConfig(WriteToml("[[auth.tokens]]\nname = \"lan\"\nrole = 1\n"), {}).status().message(),
      HasSubstr("auth.tokens[0]: role is not a string"));
  EXPECT_THAT(LoadConfig(WriteToml("[auth]\ntokens = \"lan\"\n"), {}).status().message(),
              HasSubstr("auth.tokens must be an array of tables"));
}

TEST_F(ConfigTest, TokensFromTheEnvironment) {
  absl::StatusOr<LoadedConfig> loaded = LoadConfig(
      std::nullopt, {{"MODERATION_AUTH_TOKENS", "portal-web:portal:aa, lan:moderator:bb"},
                     {"MODERATION_TLS_CERT_FILE", "/tls/tls.crt"},
                     {"MODERATION_TLS_KEY_FILE", "/tls/tls.key"},
                     {"MODERATION_INSECURE", "1"}});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_EQ(loaded->config.auth.tokens.size(), 2u);
  EXPECT_EQ(loaded->config.auth.tokens[1].name, "lan");
  EXPECT_EQ(loaded->config.auth.tokens[1].role, "moderator");
  EXPECT_EQ(loaded->config.auth.tokens[1].sha256, "bb");
  EXPECT_EQ(loaded->config.tls.cert_file, "/tls/tls.crt");
  EXPECT_TRUE(loaded->config.insecure);
  EXPECT_THAT(LoadConfig(std::nullopt, {{"MODERATION_AUTH_TOKENS", "lan:moderator:bb,mai"}})
                  .status()
                  .message(),
              HasSubstr("MODERATION_AUTH_TOKENS: entry 2 is not name:role:sha256"));
}

TEST_F(ConfigTest, ProofOfWorkAlgorithmAndScryptParametersAreChecked) {
  absl::StatusOr<LoadedConfig> scrypt = LoadConfig(
      std::nullopt, {{"MODERATION_POW_ALGORITHM", "SCRYPT"}, {"MODERATION_POW_SCRYPT_N", "2048"}});
  ASSERT_TRUE(scrypt.ok()) << scrypt.status();
  EXPECT_EQ(scrypt->config.pow.algorithm, "SCRYPT");
  EXPECT_EQ(scrypt->config.pow.scrypt_n, 2048);
  EXPECT_THAT(
      LoadConfig(std::nullopt, {{"MODERATION_POW_ALGORITHM", "ARGON2ID"}}).status().message(),
      HasSubstr("pow.algorithm must be SHA-256, PBKDF2/SHA-256 or SCRYPT"));
  EXPECT_THAT(LoadConfig(std::nullopt, {{"MODERATION_POW_SCRYPT_N", "1000"}}).status().message(),
              HasSubstr("pow.scrypt_n must be a power of two"));
  EXPECT_THAT(LoadConfig(std::nullopt,
                         {{"MODERATION_POW_SCRYPT_N", "1048576"}, {"MODERATION_POW_SCRYPT_R", "8"}})
                  .status()
                  .message(),
              HasSubstr("at most 64 MiB"));
}

TEST_F(ConfigTest, TlsFilesGoTogether) {
  EXPECT_THAT(
      LoadConfig(std::nullopt, {{"MODERATION_TLS_CERT_FILE", "/tls/tls.crt"}}).status().message(),
      HasSubstr("tls.cert_file and tls.key_file go together"));
  EXPECT_THAT(LoadConfig(std::nullopt, {{"MODERATION_TLS_CLIENT_CA_FILE", "/tls/ca.crt"}})
                  .status()
                  .message(),
              HasSubstr("tls.client_ca_file (mutual TLS) needs tls.cert_file"));
}

TEST_F(ConfigTest, ReadsSentinelsFromTheFileAndTheEnvironment) {
  const std::string path = WriteToml(R"(
[redis]
sentinels = ["10.0.0.1:26379", "10.0.0.2:26379"]
master_name = "moderation"
wait_replicas = 1
)");
  absl::StatusOr<LoadedConfig> loaded = LoadConfig(path, {});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_THAT(loaded->config.redis.sentinels, ElementsAre("10.0.0.1:26379", "10.0.0.2:26379"));
  EXPECT_EQ(loaded->config.redis.master_name, "moderation");
  EXPECT_EQ(loaded->config.redis.wait_replicas, 1);
  loaded = LoadConfig(path, {{"MODERATION_REDIS_SENTINELS", "s1:26379, s2:26379, s3:26379"},
                             {"MODERATION_MAX_IN_FLIGHT", "200"}});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_THAT(loaded->config.redis.sentinels, ElementsAre("s1:26379", "s2:26379", "s3:26379"));
  EXPECT_EQ(loaded->config.max_in_flight, 200);
}

TEST_F(ConfigTest, RefusesHalfASentinelSetupAndAWaitLongerThanTheCommandTimeout) {
  absl::StatusOr<LoadedConfig> loaded =
      LoadConfig(std::nullopt, {{"MODERATION_REDIS_SENTINELS", "s1:26379"}});
  EXPECT_THAT(loaded.status().message(), HasSubstr("redis.master_name"));
  loaded = LoadConfig(std::nullopt, {{"MODERATION_REDIS_WAIT_REPLICAS", "1"},
                                     {"MODERATION_REDIS_WAIT_TIMEOUT_MS", "1000"}});
  EXPECT_THAT(loaded.status().message(), HasSubstr("redis.wait_timeout_ms"));
  loaded = LoadConfig(std::nullopt, {{"MODERATION_MAX_IN_FLIGHT", "0"}});
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace moderation::config
