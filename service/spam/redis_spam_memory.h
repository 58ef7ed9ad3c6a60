#pragma once

#include <string>
#include <vector>

#include "service/common/clock.h"
#include "service/spam/spam_memory.h"
#include "service/storage/redis/redis_client.h"
#include "service/storage/redis/script_plan.h"

namespace moderation::spam {

// How the memory of recent bodies is laid out in Redis, for scripts that ask
// and tell it as one step of a larger change (the submission's round trip).
//
// The memory is one hash per period (as long as the longer of the two
// windows); a body is looked for in the current period's hash and the one
// before. Within a hash:
// - field "b<body digest>": when the body was posted, 4 bytes per copy (ms
//   since the period began), the most recent kBodyCapacity;
// - field "<band><4 hex digits>" per 16-bit band of the SimHash: the recent
//   comments whose SimHash has that band value, 16 bytes each (SimHash, a
//   32-bit tag of the author, ms since the period began), the most recent few;
// - field "t": set when the hash is made, which is when its expiry is set, so
//   that no call sets it again.
// One read (HMGET) per period and one write (HSET) per comment, however many
// bands: the cost that used to be three commands per band.
//
// Lua functions (see SpamMemoryLua):
//   spam_step(t) -> memory: the step from its plan (WriteSpamMemoryStep, decoded);
//   spam_read(memory) -> state: reads both periods;
//   spam_recall(memory, state) -> copies, near_authors;
//   spam_remember(memory, state): records the body in the current period.
[[nodiscard]] absl::string_view SpamMemoryLua();

// What a script needs to ask and tell the memory about one body at `now`.
struct SpamMemoryStep {
  std::vector<std::string> keys;  // the current period's hash, then the previous one's
  int64_t now_ms = 0;             // since the current period began
  int64_t period_ms = 0;          // how long a period lasts
  int64_t repeat_window_ms = 0;
  int64_t near_window_ms = 0;
  std::string body_field;
  std::vector<std::string> band_fields;  // none without a SimHash
  uint32_t simhash_high = 0;
  uint32_t simhash_low = 0;
  uint32_t author = 0;  // a 32-bit tag of the author digest
  int max_distance = 0;
};
[[nodiscard]] SpamMemoryStep SpamMemoryStepFor(const BodyRecord& record, absl::Time now);
// Writes the step's members (its keys included), as spam_step reads them,
// into the object `plan` has open.
void WriteSpamMemoryStep(const SpamMemoryStep& step, redis::ScriptPlan& plan);

// SpamMemory in Redis, laid out as above. Two SimHashes within 3 bits of each
// other share at least one of their four 16-bit band values, so looking in
// four fields finds every candidate; the distance is then checked in the
// script.
class RedisSpamMemory final : public SpamMemory {
 public:
  // Recall gives up after `timeout` (the comment is then scored without it).
  // Times come from `clock` (of the server, not Redis: the keys of a period
  // must be named before the call).
  RedisSpamMemory(redis::RedisClient& client, absl::Duration timeout, const Clock& clock);

  void Recall(const BodyRecord& record,
              absl::AnyInvocable<void(absl::StatusOr<Recollection>) &&> done) override;
  void Remember(const BodyRecord& record) override;

 private:
  redis::RedisClient& client_;
  const absl::Duration timeout_;
  const Clock& clock_;
};

}  // namespace moderation::spam
