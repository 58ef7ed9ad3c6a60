#pragma once

#include "service/bans/ban.h"
#include "service/common/clock.h"
#include "service/storage/redis/redis_client.h"

namespace moderation::bans {

// Bans in Redis: a string per ban that expires with it, and an index for
// listing (see storage/redis/keys.h).
class RedisBanStore final : public BanStore {
 public:
  RedisBanStore(redis::RedisClient& client, const Clock& clock);

  void Put(Ban ban, absl::AnyInvocable<void(absl::Status) &&> done) override;
  void Delete(const std::string& ban_id, absl::AnyInvocable<void(absl::Status) &&> done) override;
  void List(int offset, int limit,
            absl::AnyInvocable<void(absl::StatusOr<std::vector<Ban>>) &&> done) override;
  void FindAny(std::vector<std::string> ban_ids, absl::Duration timeout,
               absl::AnyInvocable<void(absl::StatusOr<std::optional<Ban>>) &&> done) override;

 private:
  redis::RedisClient& client_;
  const Clock& clock_;
};

}  // namespace moderation::bans
