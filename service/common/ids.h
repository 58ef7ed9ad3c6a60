#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "service/common/clock.h"
#include "service/common/random.h"

namespace moderation {

// Makes comment ids: 26 characters of Crockford base32 holding a 48-bit
// millisecond timestamp then 80 random bits (the ULID layout). Ids sort in time
// order as plain strings, which the Redis listings rely on; ids made in the same
// millisecond by one generator increase strictly.
class CommentIdGenerator {
 public:
  CommentIdGenerator(const Clock& clock, RandomSource& random);
  // Thread-safe.
  [[nodiscard]] std::string Next();

 private:
  const Clock& clock_;
  RandomSource& random_;
  absl::Mutex mutex_;
  uint64_t last_millis_ ABSL_GUARDED_BY(mutex_) = 0;
  std::string last_random_ ABSL_GUARDED_BY(mutex_);  // 10 bytes
};

// True when `id` has the shape of a comment id (cheap check before storage).
[[nodiscard]] bool IsWellFormedCommentId(absl::string_view id);

// The creation time encoded in a well-formed id.
[[nodiscard]] absl::Time CommentIdTime(absl::string_view id);

}  // namespace moderation
