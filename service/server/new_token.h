#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "service/common/random.h"

namespace moderation::server {

// `moderation-server new-token`: a new bearer token for `name` with `role`,
// and the configuration that admits it (the token's SHA-256 as a
// [[auth.tokens]] table and as a name:role:sha256 line), as text to print.
// The token is the only line that does not start with '#' before the
// configuration. INVALID_ARGUMENT for a name or role the server would refuse.
[[nodiscard]] absl::StatusOr<std::string> NewTokenText(const std::string& name,
                                                       const std::string& role,
                                                       RandomSource& random);

}  // namespace moderation::server
