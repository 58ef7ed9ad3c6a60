#pragma once

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "service/auth/access_policy.h"

namespace moderation::api {

// The caller of a call as `policy` judges it from the call's "authorization"
// metadata alone (see AccessPolicy::Authorize for the status codes). Handlers
// call it first, before reading the request, so that an unauthorised caller
// learns nothing about what the request names.
[[nodiscard]] absl::StatusOr<auth::Principal> AuthorizeCall(
    const grpc::CallbackServerContext& context, const auth::AccessPolicy& policy,
    auth::Permission needed);

}  // namespace moderation::api
