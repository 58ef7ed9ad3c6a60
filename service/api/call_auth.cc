#include "service/api/call_auth.h"

#include "absl/container/inlined_vector.h"

namespace moderation::api {

absl::StatusOr<auth::Principal> AuthorizeCall(const grpc::CallbackServerContext& context,
                                              const auth::AccessPolicy& policy,
                                              auth::Permission needed) {
  absl::InlinedVector<absl::string_view, 1> headers;
  const auto [first, last] = context.client_metadata().equal_range("authorization");
  for (auto it = first; it != last; ++it) {
    headers.emplace_back(it->second.data(), it->second.size());
  }
  // modctl's --as: a name for the caller on a server without tokens.
  absl::string_view declared;
  if (auto it = context.client_metadata().find(kModeratorMetadata);
      it != context.client_metadata().end()) {
    declared = absl::string_view(it->second.data(), it->second.size());
  }
  return policy.Authorize(headers, needed, declared);
}

}  // namespace moderation::api
