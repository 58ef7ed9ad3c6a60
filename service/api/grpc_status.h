#pragma once

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"

namespace moderation::api {

// The one place where our statuses become gRPC statuses. The detail trailer
// carries a google.rpc.Status holding a moderation.v1.ErrorDetail (reason code,
// Vietnamese message, bad fields, retry delay). Failures that are ours
// (INTERNAL, DATA_LOSS, UNKNOWN) are logged with `method` and answered with a
// generic message: internals are never sent.
[[nodiscard]] grpc::Status ToGrpcStatus(const absl::Status& status, absl::string_view method);

}  // namespace moderation::api
