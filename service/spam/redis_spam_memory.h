#pragma once

#include "service/spam/spam_memory.h"
#include "service/storage/redis/redis_client.h"

namespace moderation::spam {

// How the memory of recent bodies is laid out in Redis, for scripts that ask
// and tell it as one step of a larger change (the submission's round trip).
// The Lua functions spam_now_ms(), spam_recall(body_key, band_keys,
// near_window_ms, simhash_hex, author, max_distance, now_ms) -> copies,
// near_authors and spam_remember(body_key, band_keys, repeat_window_ms,
// near_window_ms, member, capacity, now_ms).
[[nodiscard]] absl::string_view SpamMemoryLua();
// The body counter's key, then the band sets' keys (none without a SimHash).
[[nodiscard]] std::vector<std::string> SpamMemoryKeys(const BodyRecord& record);
// The band sets' member for this body: SimHash and author ("" without a
// SimHash); the author as members name it (and spam_recall expects it).
[[nodiscard]] std::string SpamMemoryMember(const BodyRecord& record);
[[nodiscard]] std::string SpamMemoryAuthor(const BodyRecord& record);
// The SimHash in hex, a window in whole milliseconds (at least 1), and how
// many members a band keeps.
[[nodiscard]] std::string SpamSimHashHex(const BodyRecord& record);
[[nodiscard]] std::string SpamWindowMillis(absl::Duration duration);
[[nodiscard]] int SpamBandCapacity();

// SpamMemory in Redis (keys in storage/redis/keys.h): a counter per body
// digest that expires with the repeat window, and for near-duplicates the
// SimHash cut into four 16-bit bands, each band value a sorted set of recent
// "simhash:author" members scored by time. Two hashes within 3 bits of each
// other share at least one band value, so looking in four small sets finds
// every candidate; the distance is then checked in the script.
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
