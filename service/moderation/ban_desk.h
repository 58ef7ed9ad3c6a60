#pragma once

#include <optional>
#include <string>
#include <vector>

#include "service/audit/audit_log.h"
#include "service/bans/ban.h"
#include "service/comments/comment_repository.h"
#include "service/common/clock.h"
#include "service/crypto/secrets.h"
#include "service/moderation/moderation_desk.h"
#include "service/moderation/paging.h"
#include "service/privacy/pseudonymiser.h"

namespace moderation {

// A moderator's ban order, as sent: exactly one target.
struct BanOrder {
  std::string ip_address;
  std::string ip_prefix;
  std::string phone;
  std::string comment_id;
  std::string reason;
  absl::Duration duration = absl::ZeroDuration();  // zero: for ever
  std::string moderator;
  // Also reject the author's pending comments (not with `ip_prefix`), with
  // this reason (none: spam).
  bool reject_pending = false;
  std::optional<comments::RejectionReason> reject_reason;
};

struct BanOutcome {
  std::vector<bans::Ban> bans;
  std::vector<std::string> rejected_comment_ids;
};

struct BanPage {
  std::vector<bans::Ban> bans;
  std::string next_page_token;
};

// Bans and lifts bans. Targets are stored only as keyed hashes, shown only
// masked. Thread-safe.
// Bans and unbans are written to `audit` (when given) right after they take
// effect: bans live under another hash tag than the audit log, so the two
// cannot share a script. The call answers only once both are written; if the
// audit append fails, the call fails, and repeating it (bans replace
// themselves) writes the entry.
class BanDesk {
 public:
  // `audit` and `decisions` may be null (no audit entries; no reject_pending).
  BanDesk(bans::BanStore& store, comments::CommentRepository& comments, const Clock& clock,
          const crypto::ServiceKeys& keys, PagingLimits paging, audit::AuditLog* audit = nullptr,
          ModerationDesk* decisions = nullptr);

  // INVALID_ARGUMENT naming the field for a bad order; NOT_FOUND for an
  // unknown comment. Returns the bans made (two for a comment whose author
  // gave a phone).
  void Create(BanOrder order,
              absl::AnyInvocable<void(absl::StatusOr<std::vector<bans::Ban>>) &&> done);
  // As Create, then, with `order.reject_pending`, rejects the author's
  // pending comments (see ModerationDesk::RejectAllPendingBy).
  void CreateAndReject(BanOrder order,
                       absl::AnyInvocable<void(absl::StatusOr<BanOutcome>) &&> done);
  // `moderator` is recorded in the audit log.
  void Delete(const std::string& ban_id, const std::string& moderator,
              absl::AnyInvocable<void(absl::Status) &&> done);
  void List(int page_size, const std::string& page_token,
            absl::AnyInvocable<void(absl::StatusOr<BanPage>) &&> done);

 private:
  // The bans an order makes, and the author keys of their target.
  struct Made {
    std::vector<bans::Ban> bans;
    std::vector<std::string> author_keys;
  };
  void Make(BanOrder order, absl::AnyInvocable<void(absl::StatusOr<Made>) &&> done);
  void Store(std::vector<bans::Ban> made, const std::string& comment_id,
             absl::AnyInvocable<void(absl::StatusOr<std::vector<bans::Ban>>) &&> done);
  void Audit(std::vector<bans::Ban> made, std::size_t next, const std::string& comment_id,
             absl::AnyInvocable<void(absl::StatusOr<std::vector<bans::Ban>>) &&> done);

  bans::BanStore& store_;
  comments::CommentRepository& comments_;
  const Clock& clock_;
  const crypto::ServiceKeys& keys_;
  const privacy::Pseudonymiser pseudonymiser_;  // of keys_.lookup_key
  const PagingLimits paging_;
  audit::AuditLog* audit_;
  ModerationDesk* decisions_;
};

}  // namespace moderation
