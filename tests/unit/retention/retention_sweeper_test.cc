#include "service/retention/retention_sweeper.h"

#include <gtest/gtest.h>

#include <string>
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
    if (cursor == "0") {
      step.erased_ids = {"c-decided"};
    }
    if (cursor == "7") {
      step.expired_ids = {"c-waiting", "c-forgotten"};
    }
    step.counts = {.examined = 2,
                   .erased = static_cast<int64_t>(step.erased_ids.size()),
                   .expired = static_cast<int64_t>(step.expired_ids.size())};
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
  EXPECT_EQ(counts->examined, 6);
  EXPECT_EQ(counts->erased, 1);
  EXPECT_EQ(counts->expired, 2);
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
                           [&](const SweepStep& step) {
                             observed += step.counts;
                             ++steps;
                             store.fail = steps == 2;  // the third step fails
                           });
  EXPECT_FALSE(sweeper.SweepOnce().ok());
  EXPECT_EQ(steps, 2);
  EXPECT_EQ(observed.examined, 4);
  EXPECT_EQ(observed.erased, 1);
  EXPECT_EQ(observed.expired, 2);
}

TEST(RetentionSweeperTest, PassesTheIdsOfEachStepToTheObserver) {
  ScriptedRetentionStore store;
  testing::FakeClock clock;
  std::vector<std::string> erased;
  std::vector<std::string> expired;
  RetentionSweeper sweeper(
      store, clock,
      {.personal_data = absl::Hours(24) * 90,
       .pending_max_age = absl::Hours(24) * 30,
       .interval = absl::Hours(1),
       .batch = 50,
       .pause = absl::ZeroDuration()},
      [&](const SweepStep& step) {
        EXPECT_EQ(step.counts.erased, static_cast<int64_t>(step.erased_ids.size()));
        EXPECT_EQ(step.counts.expired, static_cast<int64_t>(step.expired_ids.size()));
        erased.insert(erased.end(), step.erased_ids.begin(), step.erased_ids.end());
        expired.insert(expired.end(), step.expired_ids.begin(), step.expired_ids.end());
      });
  ASSERT_TRUE(sweeper.SweepOnce().ok());
  EXPECT_EQ(erased, (std::vector<std::string>{"c-decided"}));
  EXPECT_EQ(expired, (std::vector<std::string>{"c-waiting", "c-forgotten"}));
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
