#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "service/spam/spam_scorer.h"

namespace moderation::spam {

// What the memory of recent comments is asked about one body.
struct BodyRecord {
  std::string body_digest;          // keyed hash of BodyTraces::normalized_body
  std::optional<uint64_t> simhash;  // when the body is long enough to compare
  std::string author_digest;        // keyed hash of the author (phone, else IP)
  absl::Duration repeat_window;
  absl::Duration near_window;
  int max_distance = 3;  // SimHash bits; at most 3 (4 bands of 16)
};

// Recent comment bodies shared by every replica: exact repeats within a
// window, and near-duplicates (SimHash) posted by other authors. Asking does
// not record: only comments that got past the captcha and the limits are
// remembered, so a reader retrying after a wrong captcha is no repeat.
class SpamMemory {
 public:
  virtual ~SpamMemory() = default;
  virtual void Recall(const BodyRecord& record,
                      absl::AnyInvocable<void(absl::StatusOr<Recollection>) &&> done) = 0;
  // Best effort; failures are logged, not reported.
  virtual void Remember(const BodyRecord& record) = 0;
};

}  // namespace moderation::spam
