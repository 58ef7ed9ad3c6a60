#pragma once

#include "service/spam/spam_memory.h"
#include "service/storage/redis/redis_client.h"

namespace moderation::spam {

// SpamMemory in Redis (keys in storage/redis/keys.h): a counter per body
// digest that expires with the repeat window, and for near-duplicates the
// SimHash cut into four 16-bit bands, each band value a sorted set of recent
// "simhash:author" members scored by time. Two hashes within 3 bits of each
// other share at least one band value, so looking in four small sets finds
// every candidate; the distance is then checked here.
class RedisSpamMemory final : public SpamMemory {
 public:
  // Recall gives up after `timeout` (the comment is then scored without it).
  RedisSpamMemory(redis::RedisClient& client, absl::Duration timeout);

  void Recall(const BodyRecord& record,
              absl::AnyInvocable<void(absl::StatusOr<Recollection>) &&> done) override;
  void Remember(const BodyRecord& record) override;

 private:
  redis::RedisClient& client_;
  const absl::Duration timeout_;
};

}  // namespace moderation::spam
