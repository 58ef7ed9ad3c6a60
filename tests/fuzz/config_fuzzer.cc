// The server's configuration parser on hostile TOML (and one hostile
// environment variable): an INVALID_ARGUMENT naming the problem or a
// configuration, never a crash.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "service/config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  static const std::string path = "/tmp/moderation-config-fuzz-" + std::to_string(::getpid());
  const std::string input(reinterpret_cast<const char*>(data), size);
  const std::size_t split = input.find('\0');
  {
    std::ofstream file(path, std::ios::trunc | std::ios::binary);
    file << input.substr(0, split);
  }
  moderation::config::Environment environment;
  if (split != std::string::npos) {
    environment["MODERATION_REDIS_COMMAND_TIMEOUT_MS"] = input.substr(split + 1);
  }
  const absl::StatusOr<moderation::config::LoadedConfig> loaded =
      moderation::config::LoadConfig(path, environment);
  if (!loaded.ok() && loaded.status().code() != absl::StatusCode::kInvalidArgument &&
      loaded.status().code() != absl::StatusCode::kNotFound) {
    __builtin_trap();
  }
  return 0;
}
