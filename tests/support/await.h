#pragma once

#include <optional>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace moderation::testing {

// Calls an asynchronous method and waits for its callback; the callback's
// argument is returned. Gives up after `timeout` (the test then fails on the
// empty optional rather than hanging).
template <typename Result, typename Start>
std::optional<Result> Await(Start start, absl::Duration timeout = absl::Seconds(10)) {
  struct State {
    absl::Notification done;
    std::optional<Result> result;
  };
  auto state = std::make_shared<State>();
  start([state](Result result) {
    state->result = std::move(result);
    state->done.Notify();
  });
  if (!state->done.WaitForNotificationWithTimeout(timeout)) {
    return std::nullopt;
  }
  return std::move(state->result);
}

}  // namespace moderation::testing
