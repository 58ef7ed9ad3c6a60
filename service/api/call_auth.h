#pragma once

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "service/auth/access_policy.h"

namespace moderation::api {

// The metadata that names the moderator on a server without tokens.
inline constexpr char kModeratorMetadata[] = "x-moderator";

// The caller of a call as `policy` judges it from the call's "authorization"
// metadata and, without tokens, the name in "x-moderator" (see
// AccessPolicy::Authorize for the status codes). Handlers call it first,
// before reading the request, so that an unauthorised caller learns nothing
// about what the request names.
[[nodiscard]] absl::StatusOr<auth::Principal> AuthorizeCall(
    const grpc::CallbackServerContext& context, const auth::AccessPolicy& policy,
    auth::Permission needed);

}  // namespace moderation::api
