#include "client/portal/portal_config.h"

#include <charconv>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "client/portal/reader_address.h"

namespace moderation::portal {
namespace {

absl::StatusOr<int> IntSetting(const char* name, const std::string& value, int min, int max) {
  int parsed = 0;
  const char* end = value.data() + value.size();
  const auto result = std::from_chars(value.data(), end, parsed);
  if (result.ec != std::errc() || result.ptr != end || parsed < min || parsed > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, "=\"", value, "\": expected a number from ", min, " to ", max));
  }
  return parsed;
}

}  // namespace

absl::StatusOr<PortalConfig> ConfigFromEnvironment(
    const std::function<std::optional<std::string>(const char*)>& lookup,
    const std::string& default_static_dir) {
  PortalConfig config;
  config.portal.static_dir = default_static_dir;
  const auto string_setting = [&](const char* name, std::string& out) {
    if (std::optional<std::string> value = lookup(name); value.has_value()) {
      out = *value;
    }
  };
  string_setting("PORTAL_LISTEN", config.portal.listen);
  string_setting("PORTAL_SERVER", config.backend.server);
  string_setting("PORTAL_STATIC_DIR", config.portal.static_dir);
  string_setting("PORTAL_ALTCHA_DIR", config.portal.altcha_dir);
  string_setting("PORTAL_TLS_CA", config.backend.tls_ca_file);
  string_setting("PORTAL_TLS_CERT", config.backend.tls_cert_file);
  string_setting("PORTAL_TLS_KEY", config.backend.tls_key_file);
  string_setting("PORTAL_TLS_SERVER_NAME", config.backend.tls_server_name);
  if (std::optional<std::string> tls = lookup("PORTAL_TLS"); tls.has_value()) {
    if (*tls != "0" && *tls != "1") {
      return absl::InvalidArgumentError(absl::StrCat("PORTAL_TLS=\"", *tls, "\": expected 0 or 1"));
    }
    config.backend.tls = *tls == "1";
  }

  std::optional<std::string> token = lookup("PORTAL_TOKEN");
  if (std::optional<std::string> file = lookup("PORTAL_TOKEN_FILE"); file.has_value()) {
    if (token.has_value()) {
      return absl::InvalidArgumentError("set PORTAL_TOKEN or PORTAL_TOKEN_FILE, not both");
    }
    std::ifstream in(*file);
    if (!in) {
      return absl::InvalidArgumentError(absl::StrCat("PORTAL_TOKEN_FILE: cannot read ", *file));
    }
    std::stringstream contents;
    contents << in.rdbuf();
    token = contents.str();
  }
  if (token.has_value()) {
    config.backend.token = std::string(absl::StripAsciiWhitespace(*token));
  }

  if (std::optional<std::string> proxies = lookup("PORTAL_TRUSTED_PROXIES"); proxies.has_value()) {
    for (absl::string_view entry : absl::StrSplit(*proxies, ',', absl::SkipWhitespace())) {
      const std::string address = CanonicalAddress(entry);
      if (address.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("PORTAL_TRUSTED_PROXIES: \"", absl::StripAsciiWhitespace(entry),
                         "\" is not an IP address (exact addresses only, no prefixes)"));
      }
      config.portal.trusted_proxies.push_back(address);
    }
  }
  const struct {
    const char* name;
    int min;
    int max;
    int* out;
  } numbers[] = {{"PORTAL_PAGE_SIZE", 1, 100, &config.portal.page_size},
                 {"PORTAL_THREADS", 1, 256, &config.portal.threads}};
  for (const auto& number : numbers) {
    if (std::optional<std::string> value = lookup(number.name); value.has_value()) {
      absl::StatusOr<int> parsed = IntSetting(number.name, *value, number.min, number.max);
      if (!parsed.ok()) {
        return parsed.status();
      }
      *number.out = *parsed;
    }
  }
  if (std::optional<std::string> value = lookup("PORTAL_DEADLINE_MS"); value.has_value()) {
    absl::StatusOr<int> parsed = IntSetting("PORTAL_DEADLINE_MS", *value, 50, 60000);
    if (!parsed.ok()) {
      return parsed.status();
    }
    config.backend.deadline = std::chrono::milliseconds(*parsed);
  }
  return config;
}

}  // namespace moderation::portal
