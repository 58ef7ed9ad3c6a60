#pragma once

#include "service/storage/redis/redis_client.h"
#include "service/submission/submission_store.h"

namespace moderation::submission {

// The whole submission in one Lua script, so that it costs one round trip and
// is atomic: a retry's earlier answer, the captcha's use, every rate limit,
// the bans, the memory of recent bodies and the queueing of the comment. The
// script is assembled from the functions each store publishes for this
// (captcha_take, gcra_decide, spam_recall, comment_enqueue...), so the key
// layout stays the business of each store. It takes one plan with named parts
// (JSON, decoded by Redis's cjson) and answers the same way, so nothing
// depends on the position or the count of arguments. Its keys span several
// hash tags: it needs a single Redis primary (with Sentinel, as supported),
// not a Cluster.
class RedisSubmissionStore final : public SubmissionStore {
 public:
  explicit RedisSubmissionStore(redis::RedisClient& client);

  void Commit(SubmissionPlan plan,
              absl::AnyInvocable<void(absl::StatusOr<SubmissionReply>) &&> done) override;

 private:
  redis::RedisClient& client_;
};

}  // namespace moderation::submission
