#pragma once

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"

// modctl's configuration file: defaults for the global options, below the
// command line and the environment (MODCTL_*), above built-in defaults.
namespace moderation::modctl {

// Every key the file may hold; each is the long option without "--" (with
// "_" for "-"), e.g. `server = "moderation.example.internal:50051"`.
struct FileSettings {
  std::optional<std::string> server;
  std::optional<std::string> token;
  std::optional<bool> tls;
  std::optional<std::string> tls_ca;
  std::optional<std::string> tls_cert;
  std::optional<std::string> tls_key;
  std::optional<std::string> tls_server_name;
  std::optional<std::string> as;
  std::optional<std::string> output;
  std::optional<double> timeout;
};

// Where the file is: $MODCTL_CONFIG if set, else
// $XDG_CONFIG_HOME/modctl/config.toml, else $HOME/.config/modctl/config.toml;
// empty when none of these can be formed. `getenv` is the environment.
[[nodiscard]] std::string ConfigFilePath(const std::function<const char*(const char*)>& getenv);

// The settings in the TOML file at `path`. A file that does not exist gives
// no settings unless `must_exist`; INVALID_ARGUMENT naming the file for a
// syntax error, an unknown key or a value of the wrong type. `warning` gets a
// line when the file holds a token but others may read it.
[[nodiscard]] absl::StatusOr<FileSettings> LoadConfigFile(const std::string& path, bool must_exist,
                                                          std::string* warning);

}  // namespace moderation::modctl
