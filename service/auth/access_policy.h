#pragma once

#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "service/auth/token_table.h"

// Who may call what. Every call names the permission it needs; a caller
// presents a bearer token, which names a principal with one role:
//
//   permission     portal  moderator  admin
//   kPortal          yes      -         -      CommentService
//   kModerate         -      yes       yes     ListPending, GetComment,
//                                              ApproveComment, RejectComment,
//                                              ClaimNext, ReleaseClaim,
//                                              UndoDecision (own decisions
//                                              only), ListBans, ListAuditLog,
//                                              GetStats
//   kAdminister       -       -        yes     CreateBan (with or without
//                                              reject_pending), DeleteBan,
//                                              VerifyAuditLog, and (later)
//                                              rule reloads, training
//
// Bulk approvals and rejections are per-comment calls (modctl makes one per
// comment after confirming how many), so they need no more than one
// decision does; what acts on an author as a whole (bans, and rejecting all
// their pending comments with a ban) is an admin's. Verifying the audit log
// reads all of it, so it is an admin's too.
//
// Admins do not get kPortal: a program holds the portal's token and people
// hold the others, and neither needs what the other does, so a person's
// leaked token cannot post comments and the portal's cannot read the queue.
namespace moderation::auth {

enum class Permission { kPortal, kModerate, kAdminister };

[[nodiscard]] bool RoleAllows(Role role, Permission permission);

// The token of an "authorization" header value: "Bearer <token>" (scheme in
// any case, RFC 6750's token68 characters, at most 512 of them); nullopt for
// anything else.
[[nodiscard]] std::optional<absl::string_view> BearerToken(absl::string_view header);

// The name recorded for callers when tokens are off (loopback development).
inline constexpr absl::string_view kUnidentified = "unidentified";

// Decides each call. Thread-safe: the token table can be replaced while calls
// are decided (a reload); each call sees the old table or the new one whole.
// Copies share the table.
class AccessPolicy {
 public:
  // Lets every call through as `kUnidentified`: only for a server that
  // listens on loopback alone (or is told `insecure`).
  [[nodiscard]] static AccessPolicy AllowAll() { return AccessPolicy(std::nullopt); }
  // Enforces `tokens`; a table with no entries refuses every call.
  [[nodiscard]] static AccessPolicy Enforce(TokenTable tokens) {
    return AccessPolicy(std::move(tokens));
  }

  [[nodiscard]] bool enforced() const { return state_->enforced; }

  // Puts `tokens` in force for the calls decided from now on; calls already
  // authorized keep going. FAILED_PRECONDITION when tokens are not enforced
  // (a server started open stays open until restarted) and INVALID_ARGUMENT
  // for an empty table (it would lock everyone out); the table in force is
  // kept then.
  absl::Status ReplaceTokens(TokenTable tokens);

  // The caller, given the values of the call's "authorization" headers.
  // UNAUTHENTICATED (reason UNAUTHENTICATED) unless there is exactly one,
  // holding a bearer token of the table; PERMISSION_DENIED (reason
  // PERMISSION_DENIED) when its role does not allow `needed`. Looks at
  // nothing but the headers, so it answers the same whatever the request
  // names.
  [[nodiscard]] absl::StatusOr<Principal> Authorize(
      absl::Span<const absl::string_view> authorization, Permission needed) const;

  // As above. Without tokens, a call may name its moderator
  // (`declared_name`, e.g. modctl's --as), recorded instead of
  // kUnidentified: INVALID_ARGUMENT (reason INVALID_MODERATOR_NAME) unless it
  // is a valid principal name. With tokens the token names the caller and
  // `declared_name` is ignored, so it can never stand in for a token.
  [[nodiscard]] absl::StatusOr<Principal> Authorize(
      absl::Span<const absl::string_view> authorization, Permission needed,
      absl::string_view declared_name) const;

 private:
  struct State {
    bool enforced = false;
    mutable absl::Mutex mutex;
    std::shared_ptr<const TokenTable> table ABSL_GUARDED_BY(mutex);
  };
  explicit AccessPolicy(std::optional<TokenTable> tokens);
  [[nodiscard]] std::shared_ptr<const TokenTable> Table() const;

  std::shared_ptr<State> state_;
};

}  // namespace moderation::auth
