#pragma once

#include "service/common/clock.h"
#include "service/pow/cost.h"
#include "service/storage/redis/redis_client.h"

namespace moderation::pow {

// Refusal scores in Redis, one string per source ("<score>|<unix ms>"), all
// under the hash tag {pc} so that one MGET reads a request's sources. Each
// expires once its score has decayed to nothing.
class RedisCostLedger final : public CostLedger {
 public:
  RedisCostLedger(redis::RedisClient& client, const Clock& clock, CostOptions options);

  void Score(std::vector<std::string> sources,
             absl::AnyInvocable<void(absl::StatusOr<double>) &&> done) override;
  void Record(std::vector<std::string> sources, double weight) override;

 private:
  redis::RedisClient& client_;
  const Clock& clock_;
  const CostOptions options_;
};

}  // namespace moderation::pow
