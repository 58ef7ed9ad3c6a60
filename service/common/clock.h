#pragma once

#include "absl/time/time.h"

namespace moderation {

// Source of the current time. Injected everywhere time matters so that logic
// is tested with a fake clock, never the wall clock.
class Clock {
 public:
  virtual ~Clock() = default;
  // Thread-safe.
  [[nodiscard]] virtual absl::Time Now() const = 0;
};

// The real clock.
class SystemClock final : public Clock {
 public:
  [[nodiscard]] absl::Time Now() const override;
};

}  // namespace moderation
