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
  return policy.Authorize(headers, needed);
}

}  // namespace moderation::api
