#pragma once

#include <cstdio>
#include <string>

#include "absl/status/status.h"
#include "service/config/config.h"

namespace moderation::server {

// `moderation-server rekey`: seals every stored phone number that is not under
// `encryption_key_id` again under it, opening the old values with the keys of
// `decryption_key_ids`. Prints progress (counts and the cursor to resume
// from) and the totals to `out`. Safe beside a running server. Fails with the
// first Redis error; FAILED_PRECONDITION when some value no configured key
// opens (the old key id is then still needed).
[[nodiscard]] absl::Status RunRekey(const config::ServerConfig& config,
                                    const config::Environment& environment,
                                    const std::string& cursor, int batch, std::FILE* out);

}  // namespace moderation::server
