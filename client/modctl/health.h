#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <ostream>
#include <string>

#include "client/modctl/commands.h"

namespace moderation::modctl {

// Asks the standard health service (grpc.health.v1.Health/Check) about
// `service` ("" for the server as a whole) and prints SERVING or NOT_SERVING.
// Exit code 0 when serving, 1 when not, 3 when the server cannot be reached:
// fit for container health checks.
[[nodiscard]] ExitCode RunHealth(const std::shared_ptr<grpc::Channel>& channel,
                                 const CallSettings& call, const std::string& service,
                                 std::ostream& out, std::ostream& err);

}  // namespace moderation::modctl
