#pragma once

#include "service/rekey/sealed_field_store.h"
#include "service/storage/redis/redis_client.h"

namespace moderation::rekey {

// The sealed phone numbers of the comment hashes (mod:{c}:comment:<id>, field
// "phone"), walked with SCAN; the swap is a Lua script comparing the field
// first. Waits for each reply, so it must not run on the client's thread.
class RedisSealedPhoneStore final : public SealedFieldStore {
 public:
  explicit RedisSealedPhoneStore(redis::RedisClient& client) : client_(client) {}

  absl::StatusOr<ScanPage> Scan(absl::string_view cursor, int count) override;
  absl::StatusOr<bool> CompareAndSwap(const SealedField& field,
                                      absl::string_view replacement) override;

 private:
  redis::RedisClient& client_;
};

}  // namespace moderation::rekey
