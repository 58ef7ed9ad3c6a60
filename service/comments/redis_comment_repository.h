#pragma once

#include "service/audit/audit_entry.h"
#include "service/comments/comment_repository.h"
#include "service/storage/redis/redis_client.h"

namespace moderation::comments {

// How comments are laid out in Redis, for scripts that queue a comment as one
// step of a larger change (the submission's single round trip).
// The Lua function comment_enqueue(comment_key, pending_key, author_keys,
// position, created_ms, id, fields, first): the hash from fields[first] on,
// the queue position, the authors' histories.
[[nodiscard]] absl::string_view CommentEnqueueLua();
// The comment's hash fields as name, value pairs (spam fields included when set).
[[nodiscard]] std::vector<std::string> CommentHashFields(const Comment& comment);
// The spam fields alone, appended to `fields`.
void AppendSpamFields(double score, bool flagged, const std::vector<SpamSignal>& signals,
                      std::vector<std::string>& fields);
// The keys of the comment's authors' histories.
[[nodiscard]] std::vector<std::string> AuthorIndexKeys(const Comment& comment);
// An idempotency record's value, and back.
[[nodiscard]] std::string IdempotencyValue(absl::string_view comment_id,
                                           absl::string_view fingerprint);
[[nodiscard]] std::optional<PriorSubmission> ParsePriorSubmission(absl::string_view value);

// Comments in Redis: a hash per comment, a sorted set for the pending queue,
// one per article for approved comments, one per author for their history,
// a key per claim (see storage/redis/keys.h). Every change that touches
// several keys is one Lua script, so a comment is never half-queued or
// half-decided, and a decision and its audit entry are written together.
class RedisCommentRepository final : public CommentRepository {
 public:
  // Decisions and undos are sealed into `audit_chain`.
  RedisCommentRepository(redis::RedisClient& client, audit::AuditChain& audit_chain);

  void Enqueue(Comment comment, std::optional<IdempotencyRecord> idempotency,
               Callback<EnqueueResult> done) override;
  void FindPrior(const std::string& key_digest,
                 Callback<std::optional<PriorSubmission>> done) override;
  void Get(const std::string& comment_id, Callback<Comment> done) override;
  void ListPending(const PendingFilter& filter, const std::string& after, int limit,
                   Callback<CommentPage> done) override;
  void ListApproved(const std::string& article_id, const std::string& after_id, int limit,
                    Callback<CommentPage> done) override;
  void ApprovedVersion(Callback<int64_t> done) override;
  void Decide(const std::string& comment_id, Decision decision, Callback<Comment> done) override;
  void Undo(const std::string& comment_id, UndoOrder order, Callback<Comment> done) override;
  void ClaimNext(ClaimOrder order, Callback<ClaimResult> done) override;
  void ReleaseClaim(const std::string& comment_id, const std::string& moderator,
                    Callback<bool> done) override;
  void AuthorHistory(std::vector<std::string> author_keys, const std::string& except_id,
                     Callback<std::vector<AuthorRecord>> done) override;
  void Summarize(Callback<QueueSummary> done) override;

 private:
  void ClaimFrom(std::string start, int calls_left, const std::shared_ptr<ClaimOrder>& order,
                 Callback<ClaimResult> done);

  redis::RedisClient& client_;
  audit::AuditChain& audit_chain_;
};

}  // namespace moderation::comments
