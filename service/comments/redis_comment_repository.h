#pragma once

#include "service/comments/comment_repository.h"
#include "service/storage/redis/redis_client.h"

namespace moderation::comments {

// Comments in Redis: a hash per comment, a sorted set for the pending queue and
// one per article for approved comments (see storage/redis/keys.h). Every
// change that touches several keys is one Lua script, so a comment is never
// half-queued or half-decided.
class RedisCommentRepository final : public CommentRepository {
 public:
  explicit RedisCommentRepository(redis::RedisClient& client);

  void Enqueue(Comment comment, std::optional<IdempotencyRecord> idempotency,
               Callback<EnqueueResult> done) override;
  void FindPrior(const std::string& key_digest,
                 Callback<std::optional<PriorSubmission>> done) override;
  void Get(const std::string& comment_id, Callback<Comment> done) override;
  void ListPending(const std::string& after_id, int limit, Callback<CommentPage> done) override;
  void ListApproved(const std::string& article_id, const std::string& after_id, int limit,
                    Callback<CommentPage> done) override;
  void Decide(const std::string& comment_id, Decision decision, Callback<Comment> done) override;

 private:
  redis::RedisClient& client_;
};

}  // namespace moderation::comments
