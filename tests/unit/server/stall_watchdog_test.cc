#include "service/server/stall_watchdog.h"

#include <gtest/gtest.h>

#include <map>

#include "tests/support/fake_clock.h"

namespace moderation::server {
namespace {

class StallWatchdogTest : public ::testing::Test {
 protected:
  StallWatchdogTest()
      : watchdog_(clock_, {.threshold = absl::Seconds(3)},
                  [this](const std::string& what) { ++stalls_[what]; }) {
    watchdog_.Watch("redis_loop", [this] { return loop_tick_; });
    watchdog_.Watch("call", [this] { return oldest_call_; });
  }

  testing::FakeClock clock_;
  absl::Time loop_tick_ = clock_.Now();
  absl::Time oldest_call_ = absl::InfiniteFuture();
  std::map<std::string, int> stalls_;
  StallWatchdog watchdog_;
};

TEST_F(StallWatchdogTest, QuietWhileEverythingMoves) {
  for (int i = 0; i < 10; ++i) {
    clock_.Advance(absl::Seconds(1));
    loop_tick_ = clock_.Now();
    oldest_call_ = clock_.Now() - absl::Milliseconds(500);
    EXPECT_EQ(watchdog_.Check(), 0);
  }
  EXPECT_TRUE(stalls_.empty());
}

TEST_F(StallWatchdogTest, CountsAStuckLoopOnceUntilItMovesAgain) {
  clock_.Advance(absl::Seconds(3));
  EXPECT_EQ(watchdog_.Check(), 0);  // at the threshold, not beyond
  clock_.Advance(absl::Milliseconds(1));
  EXPECT_EQ(watchdog_.Check(), 1);
  clock_.Advance(absl::Minutes(5));
  EXPECT_EQ(watchdog_.Check(), 1);
  EXPECT_EQ(stalls_["redis_loop"], 1);

  loop_tick_ = clock_.Now();
  EXPECT_EQ(watchdog_.Check(), 0);
  clock_.Advance(absl::Seconds(4));
  EXPECT_EQ(watchdog_.Check(), 1);
  EXPECT_EQ(stalls_["redis_loop"], 2);
  EXPECT_EQ(stalls_.count("call"), 0u);
}

TEST_F(StallWatchdogTest, CountsACallInFlightBeyondTheThreshold) {
  oldest_call_ = clock_.Now();
  clock_.Advance(absl::Seconds(5));
  loop_tick_ = clock_.Now();
  EXPECT_EQ(watchdog_.Check(), 1);
  EXPECT_EQ(stalls_["call"], 1);
  EXPECT_EQ(stalls_.count("redis_loop"), 0u);
  // The call ends; none is left.
  oldest_call_ = absl::InfiniteFuture();
  EXPECT_EQ(watchdog_.Check(), 0);
  EXPECT_EQ(stalls_["call"], 1);
}

}  // namespace
}  // namespace moderation::server
