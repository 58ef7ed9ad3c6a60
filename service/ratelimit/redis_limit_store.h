#pragma once

#include "service/ratelimit/limit_store.h"
#include "service/storage/redis/redis_client.h"

namespace moderation::ratelimit {

// The Lua functions gcra_now(), gcra_check(key, interval, tolerance, now),
// gcra_decide(stored, interval, tolerance, now) (for values read together with
// one MGET) and gcra_commit(key, new_tat, ttl_ms) behind RedisLimitStore, for
// scripts that apply limits as one step of a larger change.
[[nodiscard]] absl::string_view GcraLua();

// GCRA in Redis: one Lua script per key (so each touches one cluster slot),
// all of a request's checks sent in one write. Time comes from Redis (TIME),
// so that servers with skewed clocks share limits exactly; tests may pin it.
class RedisLimitStore final : public LimitStore {
 public:
  explicit RedisLimitStore(redis::RedisClient& client);

  void CheckAll(std::vector<GcraCheck> checks, absl::Duration timeout,
                absl::AnyInvocable<void(std::vector<absl::StatusOr<GcraResult>>) &&> done) override;
  void Refund(std::vector<GcraCheck> checks) override;

  // For tests: use this time (microseconds since the epoch) instead of Redis's.
  void PinTimeForTesting(int64_t unix_micros) { pinned_micros_ = unix_micros; }

 private:
  redis::RedisClient& client_;
  std::atomic<int64_t> pinned_micros_{0};
};

}  // namespace moderation::ratelimit
