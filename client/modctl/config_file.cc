#include "client/modctl/config_file.h"

#include <sys/stat.h>

#include <fstream>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "service/common/toml_text.h"

namespace moderation::modctl {
namespace {

absl::Status Bad(const std::string& path, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", what));
}

}  // namespace

std::string ConfigFilePath(const std::function<const char*(const char*)>& getenv) {
  if (const char* explicit_path = getenv("MODCTL_CONFIG");
      explicit_path != nullptr && explicit_path[0] != '\0') {
    return explicit_path;
  }
  if (const char* config_home = getenv("XDG_CONFIG_HOME");
      config_home != nullptr && config_home[0] == '/') {
    return absl::StrCat(config_home, "/modctl/config.toml");
  }
  if (const char* home = getenv("HOME"); home != nullptr && home[0] != '\0') {
    return absl::StrCat(home, "/.config/modctl/config.toml");
  }
  return "";
}

absl::StatusOr<FileSettings> LoadConfigFile(const std::string& path, bool must_exist,
                                            std::string* warning) {
  FileSettings settings;
  if (path.empty()) {
    return settings;
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    if (must_exist) {
      return Bad(path, "cannot read the configuration file");
    }
    return settings;
  }
  const std::string text(std::istreambuf_iterator<char>(file), {});
  absl::StatusOr<toml::table> parsed = ParseTomlText(text, path);
  if (!parsed.ok()) {
    return parsed.status();
  }
  const toml::table& table = *parsed;
  for (const auto& [key, node] : table) {
    const std::string name(key.str());
    const auto text_value = [&](std::optional<std::string>& out) -> absl::Status {
      const std::optional<std::string> value = node.value<std::string>();
      if (!value || !node.is_string()) {
        return Bad(path, absl::StrCat(name, " must be a string"));
      }
      out = *value;
      return absl::OkStatus();
    };
    absl::Status status;
    if (name == "server") {
      status = text_value(settings.server);
    } else if (name == "token") {
      status = text_value(settings.token);
    } else if (name == "tls_ca") {
      status = text_value(settings.tls_ca);
    } else if (name == "tls_cert") {
      status = text_value(settings.tls_cert);
    } else if (name == "tls_key") {
      status = text_value(settings.tls_key);
    } else if (name == "tls_server_name") {
      status = text_value(settings.tls_server_name);
    } else if (name == "as") {
      status = text_value(settings.as);
    } else if (name == "output") {
      status = text_value(settings.output);
      if (status.ok() && *settings.output != "table" && *settings.output != "json") {
        status = Bad(path, "output must be \"table\" or \"json\"");
      }
    } else if (name == "tls") {
      if (!node.is_boolean()) {
        status = Bad(path, "tls must be true or false");
      } else {
        settings.tls = node.value<bool>();
      }
    } else if (name == "timeout") {
      if (!node.is_number()) {
        status = Bad(path, "timeout must be a number of seconds");
      } else {
        settings.timeout = node.value<double>();
      }
    } else {
      status = Bad(path, absl::StrCat("unknown key \"", name,
                                      "\" (known: server, token, tls, tls_ca, tls_cert, tls_key, "
                                      "tls_server_name, as, output, timeout)"));
    }
    if (!status.ok()) {
      return status;
    }
  }
  struct stat info {};
  if (settings.token && warning != nullptr && stat(path.c_str(), &info) == 0 &&
      (info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    *warning =
        absl::StrCat("warning: ", path, " holds a token and others may read it: chmod 600 it");
  }
  return settings;
}

}  // namespace moderation::modctl
