#pragma once

#include <optional>
#include <string>
#include <vector>

#include "service/audit/audit_log.h"
#include "service/comments/comment_repository.h"
#include "service/common/clock.h"
#include "service/moderation/feed_cache.h"
#include "service/moderation/paging.h"
#include "service/pow/cost.h"

namespace moderation {

struct DeskOptions {
  PagingLimits paging;
  std::size_t note_max_chars = 500;
  // How long a comment handed out by ClaimNext stays its moderator's.
  absl::Duration claim_ttl = absl::Minutes(5);
  // How long a moderator may take back their last decision.
  absl::Duration undo_window = absl::Minutes(2);
};

// A queue filter as moderators write it (see v1.PendingFilter): ages, not
// times. Zero values mean "any".
struct QueueFilter {
  std::string article_id;
  std::string spam_rule;
  double min_spam_score = 0;
  absl::Duration min_age = absl::ZeroDuration();
  absl::Duration max_age = absl::ZeroDuration();
  std::string author_key;
  std::string client_network;
  bool flagged_only = false;
};

// A comment with what a moderator wants to know around it.
struct CommentView {
  comments::Comment comment;
  std::vector<comments::AuthorRecord> author_history;  // by phone, then by address
  std::vector<audit::Entry> audit_entries;             // about this comment, oldest first
};

// What ClaimNext hands out.
struct ClaimView {
  comments::ClaimResult claim;
  std::vector<comments::AuthorRecord> author_history;
};

// Hears of every decision that took effect (the learned spam filter learns
// from them). Called on storage threads; must not block.
class DecisionListener {
 public:
  virtual ~DecisionListener() = default;
  virtual void OnDecided(const comments::Comment& decided) = 0;
};

// Counts a moderator's spam or advertising rejection as a refusal of the
// comment's sources (address, network, phone), which raises their proof of
// work's cost; then tells `next` (may be null).
class RejectionCost final : public DecisionListener {
 public:
  RejectionCost(pow::CostLedger& ledger, std::string lookup_key, DecisionListener* next)
      : ledger_(ledger), lookup_key_(std::move(lookup_key)), next_(next) {}
  void OnDecided(const comments::Comment& decided) override;

 private:
  pow::CostLedger& ledger_;
  const std::string lookup_key_;
  DecisionListener* next_;
};

// What moderators do with the queue. Checks their input, then asks the
// repository, whose decisions are compare-and-set. Thread-safe.
class ModerationDesk {
 public:
  // `listener`, `audit` and `feed_cache` may be null (no lessons; no audit
  // entries in Show; no cached feed whose pages decisions make stale).
  ModerationDesk(comments::CommentRepository& repository, const Clock& clock, DeskOptions options,
                 DecisionListener* listener = nullptr, audit::AuditLog* audit = nullptr,
                 FeedCache* feed_cache = nullptr);

  // Flagged first, then the others; each oldest first. INVALID_ARGUMENT for a bad page size or
  // token.
  void ListPending(int page_size, const std::string& page_token,
                   comments::Callback<comments::CommentPage> done);
  // As above, narrowed by `filter`; INVALID_ARGUMENT naming a bad criterion
  // ("filter.<field>").
  void ListPending(const QueueFilter& filter, int page_size, const std::string& page_token,
                   comments::Callback<comments::CommentPage> done);

  // INVALID_ARGUMENT for a malformed id; NOT_FOUND.
  void Get(const std::string& comment_id, comments::Callback<comments::Comment> done);

  // As Get, with the author's history and the comment's audit entries.
  void Show(const std::string& comment_id, comments::Callback<CommentView> done);

  // Hands `moderator` the next unclaimed pending comment matching `filter`,
  // claimed for them (see CommentRepository::ClaimNext), with its author's
  // history; releases `release_id` first. INVALID_ARGUMENT for a bad filter,
  // id or session.
  void ClaimNext(const QueueFilter& filter, const std::string& release_id,
                 std::vector<std::string> exclude, const std::string& session,
                 const std::string& moderator, comments::Callback<ClaimView> done);

  // Ends `moderator`'s claim; false when they held none.
  void ReleaseClaim(const std::string& comment_id, const std::string& moderator,
                    comments::Callback<bool> done);

  // Takes back `moderator`'s last decision, within the undo window.
  // NOT_FOUND; FAILED_PRECONDITION (UNDO_NOT_ALLOWED).
  void Undo(const std::string& comment_id, const std::string& session, const std::string& moderator,
            comments::Callback<comments::Comment> done);

  // Rejects every pending comment by any of `author_keys` (at most a
  // thousand), one decision and audit entry each; returns their ids.
  void RejectAllPendingBy(std::vector<std::string> author_keys, comments::RejectionReason reason,
                          const std::string& note, const std::string& moderator,
                          comments::Callback<std::vector<std::string>> done);

  // NOT_FOUND; FAILED_PRECONDITION when no longer pending.
  void Approve(const std::string& comment_id, const std::string& note, const std::string& moderator,
               comments::Callback<comments::Comment> done);

  // As Approve; INVALID_ARGUMENT when `reason` is missing.
  void Reject(const std::string& comment_id, std::optional<comments::RejectionReason> reason,
              const std::string& note, const std::string& moderator,
              comments::Callback<comments::Comment> done);

 private:
  void Decide(const std::string& comment_id, comments::Decision decision,
              comments::Callback<comments::Comment> done);
  // The histories of `comment`'s author, by phone then by address.
  void HistoryOf(const comments::Comment& comment,
                 comments::Callback<std::vector<comments::AuthorRecord>> done);

  comments::CommentRepository& repository_;
  const Clock& clock_;
  const DeskOptions options_;
  DecisionListener* listener_;
  audit::AuditLog* audit_;
  FeedCache* feed_cache_;
};

// `filter` checked (INVALID_ARGUMENT naming "filter.<field>") and turned into
// the repository's form, ages measured from `now`.
[[nodiscard]] absl::StatusOr<comments::PendingFilter> ResolveFilter(const QueueFilter& filter,
                                                                    absl::Time now);

// A moderator's session name: 0-64 characters of [A-Za-z0-9_-].
[[nodiscard]] bool IsWellFormedSession(absl::string_view session);

}  // namespace moderation
