#pragma once

#include "absl/strings/string_view.h"

namespace moderation::server {

// True when a gRPC listening address ("host:port", "[v6]:port",
// "unix:/path") can only be reached from this machine.
[[nodiscard]] bool IsLoopbackAddress(absl::string_view address);

}  // namespace moderation::server
