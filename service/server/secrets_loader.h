#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "service/config/config.h"

namespace moderation::server {

struct MasterSecret {
  std::string bytes;
  bool ephemeral = false;  // made up at start-up: data sealed with it dies with the process
};

// Reads the master secret from MODERATION_SECRET_KEY (hex) or from the file
// named by MODERATION_SECRET_KEY_FILE (hex, or at least 32 raw bytes). With
// neither, a random one is made when `allow_ephemeral` (loopback development
// only), else FAILED_PRECONDITION.
[[nodiscard]] absl::StatusOr<MasterSecret> LoadMasterSecret(const config::Environment& environment,
                                                            bool allow_ephemeral);

}  // namespace moderation::server
