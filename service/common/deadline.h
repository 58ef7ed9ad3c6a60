#pragma once

#include "absl/time/time.h"

namespace moderation {

// The deadline of the call whose work runs on this thread, or
// absl::InfiniteFuture() when there is none. The code that starts a call's
// work sets it (ScopedDeadline); storage clients read it when a command is
// issued, bound their wait by it, drop commands whose deadline has passed, and
// set it again around the callbacks they run, so every step of one call sees
// the caller's deadline without passing it through domain interfaces.
[[nodiscard]] absl::Time CurrentDeadline();

// Sets the current deadline for its lifetime (restoring the previous one
// after). Never makes a deadline later than the one already in force.
class ScopedDeadline {
 public:
  explicit ScopedDeadline(absl::Time deadline);
  ~ScopedDeadline();
  ScopedDeadline(const ScopedDeadline&) = delete;
  ScopedDeadline& operator=(const ScopedDeadline&) = delete;

 private:
  absl::Time previous_;
};

}  // namespace moderation
