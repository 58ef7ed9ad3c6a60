#pragma once

#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace moderation::ratelimit {

// One GCRA check: allow one event under `key` if no more than `burst` events
// arrived back to back at `emission_interval` apart.
struct GcraCheck {
  std::string key;
  absl::Duration emission_interval;  // period / count
  int64_t burst = 1;
};

// The store's answer to one check.
struct GcraResult {
  bool allowed = true;
  absl::Duration retry_after;  // when refused: until one more event fits
};

// Where limit state lives (the generic cell rate algorithm's "theoretical
// arrival time" per key). Asynchronous and thread-safe; callbacks may run on
// another thread or inline.
class LimitStore {
 public:
  virtual ~LimitStore() = default;

  // Evaluates every check atomically per key, all in one round trip, using
  // the store's clock. One result per check, in order; a failed status per
  // check when the store cannot answer within `timeout`.
  virtual void CheckAll(
      std::vector<GcraCheck> checks, absl::Duration timeout,
      absl::AnyInvocable<void(std::vector<absl::StatusOr<GcraResult>>) &&> done) = 0;

  // Gives back one event under each check's key: used when another limit of
  // the same request refused it, so a refused request costs the subject
  // nothing. Best effort, fire and forget.
  virtual void Refund(std::vector<GcraCheck> checks) = 0;
};

}  // namespace moderation::ratelimit
