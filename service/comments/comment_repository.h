#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "service/comments/comment.h"

namespace moderation::comments {

// Remembers the answer to a submission so that a retry gets it again.
struct IdempotencyRecord {
  std::string key_digest;   // keyed hash of the client's idempotency key (hex)
  std::string fingerprint;  // keyed hash of the submission's content (hex)
  absl::Duration ttl;
};

// What an idempotency key was first used for.
struct PriorSubmission {
  std::string comment_id;
  std::string fingerprint;
};

struct EnqueueResult {
  // The stored comment, or the earlier one when `prior` is set.
  std::string comment_id;
  // Set when the idempotency key had been used: nothing was stored.
  std::optional<PriorSubmission> prior;
};

template <typename T>
using Callback = absl::AnyInvocable<void(absl::StatusOr<T>) &&>;

// Where comments live and wait for moderation. Every method is asynchronous
// (callbacks may run on another thread, or inline), thread-safe, and answers
// UNAVAILABLE when storage is unreachable.
class CommentRepository {
 public:
  virtual ~CommentRepository() = default;

  // Atomically stores `comment` as pending, queues it and, if `idempotency` is
  // set, records it; or, if that key was already recorded, stores nothing and
  // returns the earlier submission. OK only once the write is accepted.
  virtual void Enqueue(Comment comment, std::optional<IdempotencyRecord> idempotency,
                       Callback<EnqueueResult> done) = 0;

  // The submission recorded under an idempotency key, or nullopt.
  virtual void FindPrior(const std::string& key_digest,
                         Callback<std::optional<PriorSubmission>> done) = 0;

  // NOT_FOUND when there is no such comment.
  virtual void Get(const std::string& comment_id, Callback<Comment> done) = 0;

  // Pending comments matching `filter`, flagged ones first, then the others,
  // each oldest first; starting after the queue position `after` (see
  // QueuePosition; empty: from the start), at most `limit`, each with the
  // moderator who claims it (Comment::claimed_by). The next cursor is a
  // position; a filter may leave a page short, even empty, before the end,
  // since each call examines a bounded number of queued comments.
  virtual void ListPending(const PendingFilter& filter, const std::string& after, int limit,
                           Callback<CommentPage> done) = 0;

  // Approved comments of an article, newest first, starting after
  // `after_id`, at most `limit`.
  virtual void ListApproved(const std::string& article_id, const std::string& after_id, int limit,
                            Callback<CommentPage> done) = 0;

  // A number that changes whenever any article's approved list changes (for
  // caches of the public feed: equal numbers, same lists). 0 before any.
  virtual void ApprovedVersion(Callback<int64_t> done) = 0;

  // Applies `decision` if, and only if, the comment is still pending
  // (compare-and-set): approved comments join their article's list, the
  // comment's claim ends, it becomes the moderator's last decision (for
  // `decision.undo_window`), and `decision.audit` joins the audit log, all in
  // one atomic step. Returns the updated comment; NOT_FOUND;
  // FAILED_PRECONDITION (reason COMMENT_NOT_PENDING) when already decided,
  // with nothing changed.
  virtual void Decide(const std::string& comment_id, Decision decision, Callback<Comment> done) = 0;

  // Puts a decided comment back in the queue if it is `order.moderator`'s
  // last decision, still as the desk saw it, made within `order.window`:
  // leaves its article's list if approved, is claimed by the moderator again,
  // and `order.audit` joins the audit log, atomically. Returns the comment,
  // pending; NOT_FOUND; FAILED_PRECONDITION (UNDO_NOT_ALLOWED) otherwise,
  // with nothing changed.
  virtual void Undo(const std::string& comment_id, UndoOrder order, Callback<Comment> done) = 0;

  // Releases `order.release_id` if this moderator claims it, then claims for
  // `order.ttl` the first pending comment, in queue order, that matches the
  // filter, is not excluded, and is unclaimed or claimed by this very
  // session; atomically, so no two sessions get the same comment.
  virtual void ClaimNext(ClaimOrder order, Callback<ClaimResult> done) = 0;

  // Ends `moderator`'s claim on a comment; false when they held none.
  virtual void ReleaseClaim(const std::string& comment_id, const std::string& moderator,
                            Callback<bool> done) = 0;

  // For each author key (see PhoneAuthorKey), what else they wrote besides
  // `except_id`, in the same order.
  virtual void AuthorHistory(std::vector<std::string> author_keys, const std::string& except_id,
                             Callback<std::vector<AuthorRecord>> done) = 0;

  // The queue's size, flagged part, and oldest comment.
  virtual void Summarize(Callback<QueueSummary> done) = 0;
};

}  // namespace moderation::comments
