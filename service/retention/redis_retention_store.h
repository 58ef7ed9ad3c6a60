#pragma once

#include "service/retention/retention_store.h"
#include "service/storage/redis/redis_client.h"

namespace moderation::retention {

// The comment hashes (mod:{c}:comment:<id>) walked with SCAN; each step is one
// Lua script over the batch, so a comment is judged and changed atomically,
// never half erased, and a decision or undo cannot slip in between. Waits for
// each reply, so it must not run on the client's thread.
class RedisRetentionStore final : public RetentionStore {
 public:
  explicit RedisRetentionStore(redis::RedisClient& client) : client_(client) {}

  absl::StatusOr<SweepStep> Sweep(absl::string_view cursor, int count,
                                  const SweepCutoffs& cutoffs) override;

 private:
  redis::RedisClient& client_;
};

}  // namespace moderation::retention
