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

// The ALTCHA HMAC key, as text (altcha-lib's `hmacKey` takes the same text):
// MODERATION_ALTCHA_HMAC_KEY, or the trimmed content of the file named by
// MODERATION_ALTCHA_HMAC_KEY_FILE, at least 32 characters; with neither, one
// derived from the master secret (hex), which only this server knows.
[[nodiscard]] absl::StatusOr<std::string> LoadAltchaKey(const config::Environment& environment,
                                                        absl::string_view master_secret);

}  // namespace moderation::server
