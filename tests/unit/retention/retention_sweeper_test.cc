#include "service/retention/retention_sweeper.h"

#include <gtest/gtest.h>

#include <vector>

#include "tests/support/fake_clock.h"

namespace moderation::retention {
namespace {

// Three steps of one comment each; remembers the cutoffs it was given.
class ScriptedRetentionStore final : public RetentionStore {
 public:
  absl::StatusOr<SweepStep> Sweep(absl::string_view cursor, int count,
                                  const SweepCutoffs& cutoffs) override {
    seen.push_back(cutoffs);
    counts.push_back(count);
    if (fail) {
      return absl::UnavailableError("redis down");
    }
    SweepStep step;
    step.counts = {
        .examined = 1, .erased = cursor == "0" ? 1 : 0, .expired = cursor == "7" ? 1 : 0};
    step.next_cursor = cursor == "0" ? "7" : cursor == "7" ? "9" : "0";
    return step;
  }

  std::vector<SweepCutoffs> seen;
  std::vector<int> counts;
  bool fail = false;
};

TEST(RetentionSweeperTest, WalksEveryStepWithCutoffsFromTheClock) {
  ScriptedRetentionStore store;
  testing::FakeClock clock;
  RetentionSweeper sweeper(store, clock,
                           {.personal_data = absl::Hours(24) * 90,
                            .pending_max_age = absl::Hours(24) * 30,
                            .interval = absl::Hours(1),
                            .batch = 50,
                            .pause = absl::ZeroDuration()});
  absl::StatusOr<SweepCounts> counts = sweeper.SweepOnce();
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_EQ(counts->examined, 3);
  EXPECT_EQ(counts->erased, 1);
  EXPECT_EQ(counts->expired, 1);
  ASSERT_EQ(store.seen.size(), 3u);
  EXPECT_EQ(store.seen[0].erase_decided_before, clock.Now() - absl::Hours(24) * 90);
  EXPECT_EQ(store.seen[0].expire_pending_before, clock.Now() - absl::Hours(24) * 30);
  EXPECT_EQ(store.counts[2], 50);
}

TEST(RetentionSweeperTest, TellsTheObserverOfEveryStepEvenWhenTheSweepFailsLater) {
  ScriptedRetentionStore store;
  testing::FakeClock clock;
  SweepCounts observed;
  int steps = 0;
  RetentionSweeper sweeper(store, clock,
                           {.personal_data = absl::Hours(24) * 90,
                            .pending_max_age = absl::Hours(24) * 30,
                            .interval = absl::Hours(1),
                            .batch = 50,
                            .pause = absl::ZeroDuration()},
                           [&](const SweepCounts& step) {
                             observed += step;
                             ++steps;
                             store.fail = steps == 2;  // the third step fails
                           });
  EXPECT_FALSE(sweeper.SweepOnce().ok());
  EXPECT_EQ(steps, 2);
  EXPECT_EQ(observed.examined, 2);
  EXPECT_EQ(observed.erased, 1);
  EXPECT_EQ(observed.expired, 1);
}

TEST(RetentionSweeperTest, AZeroPeriodTurnsItsRuleOff) {
  ScriptedRetentionStore store;
  testing::FakeClock clock;
  RetentionSweeper sweeper(store, clock,
                           {.personal_data = absl::Hours(1),
                            .pending_max_age = absl::ZeroDuration(),
                            .interval = absl::Hours(1),
                            .batch = 10,
                            .pause = absl::ZeroDuration()});
  EXPECT_TRUE(sweeper.enabled());
  ASSERT_TRUE(sweeper.SweepOnce().ok());
  EXPECT_EQ(store.seen[0].expire_pending_before, absl::InfinitePast());

  RetentionSweeper off(store, clock, RetentionPolicy());
  EXPECT_FALSE(off.enabled());
  off.Start();  // nothing to do: no thread
  off.Stop();
}

TEST(RetentionSweeperTest, ReportsTheStoresError) {
  ScriptedRetentionStore store;
  store.fail = true;
  testing::FakeClock clock;
  RetentionSweeper sweeper(store, clock,
                           {.personal_data = absl::Hours(1),
                            .pending_max_age = absl::Hours(1),
                            .interval = absl::Hours(1),
                            .batch = 10,
                            .pause = absl::ZeroDuration()});
  EXPECT_EQ(sweeper.SweepOnce().status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace moderation::retention
