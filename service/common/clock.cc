#include "service/common/clock.h"

#include "absl/time/clock.h"

namespace moderation {

absl::Time SystemClock::Now() const { return absl::Now(); }

}  // namespace moderation
