#include "service/common/deadline.h"

#include <algorithm>

namespace moderation {
namespace {

thread_local absl::Time current_deadline =  // NOLINT(cert-err58-cpp): constexpr, cannot throw
    absl::InfiniteFuture();

}  // namespace

absl::Time CurrentDeadline() { return current_deadline; }

ScopedDeadline::ScopedDeadline(absl::Time deadline) : previous_(current_deadline) {
  current_deadline = std::min(previous_, deadline);
}

ScopedDeadline::~ScopedDeadline() { current_deadline = previous_; }

}  // namespace moderation
