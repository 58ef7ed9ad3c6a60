// One set of cases run against every LimitStore: the in-memory fake that unit
// tests use must decide exactly as the Redis script does, or the unit tests
// prove nothing about production.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "service/ratelimit/redis_limit_store.h"
#include "tests/support/await.h"
#include "tests/support/fake_clock.h"
#include "tests/support/in_memory_limit_store.h"
#include "tests/support/redis_fixture.h"

namespace moderation::ratelimit {
namespace {

using Results = std::vector<absl::StatusOr<GcraResult>>;

const absl::Time kStart = absl::FromUnixSeconds(1790000000);

// A store and a way to set the time it decides at.
class LimitStoreUnderTest {
 public:
  virtual ~LimitStoreUnderTest() = default;
  virtual LimitStore& store() = 0;
  virtual void SetTime(absl::Time time) = 0;
};

class InMemoryUnderTest final : public LimitStoreUnderTest {
 public:
  LimitStore& store() override { return store_; }
  void SetTime(absl::Time time) override { clock_.Advance(time - clock_.Now()); }

 private:
  testing::FakeClock clock_{kStart};
  testing::InMemoryLimitStore store_{clock_};
};

class RedisUnderTest final : public LimitStoreUnderTest {
 public:
  explicit RedisUnderTest(redis::RedisClient& client) : store_(client) {}
  LimitStore& store() override { return store_; }
  void SetTime(absl::Time time) override { store_.PinTimeForTesting(absl::ToUnixMicros(time)); }

 private:
  RedisLimitStore store_;
};

class LimitStoreContractTest : public testing::RedisTest,
                               public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUpWithRedis() override {
    if (GetParam() == "redis") {
      under_test_ = std::make_unique<RedisUnderTest>(*client_);
    } else {
      under_test_ = std::make_unique<InMemoryUnderTest>();
    }
    under_test_->SetTime(kStart);
  }

  Results Check(std::vector<GcraCheck> checks) {
    Results results = *testing::Await<Results>(
        [&](auto done) { under_test_->store().CheckAll(checks, absl::Seconds(1), done); });
    EXPECT_EQ(results.size(), checks.size());
    return results;
  }

  // One event under `key`: one every 10 s, 3 back to back.
  bool Allowed(const std::string& key, absl::Duration* retry_after = nullptr) {
    Results results = Check({{key, absl::Seconds(10), 3}});
    EXPECT_TRUE(results[0].ok()) << results[0].status();
    if (!results[0].ok()) {
      return false;
    }
    if (retry_after != nullptr) {
      *retry_after = results[0]->retry_after;
    }
    return results[0]->allowed;
  }

  void At(absl::Duration since_start) { under_test_->SetTime(kStart + since_start); }

  std::unique_ptr<LimitStoreUnderTest> under_test_;
};

TEST_P(LimitStoreContractTest, AdmitsTheBurstThenRefusesUntilTheRateFreesOne) {
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(Allowed("k")) << i;
  }
  absl::Duration wait;
  EXPECT_FALSE(Allowed("k", &wait));
  EXPECT_EQ(wait, absl::Seconds(10));
  At(absl::Seconds(4));
  EXPECT_FALSE(Allowed("k", &wait));
  EXPECT_EQ(wait, absl::Seconds(6));
  At(absl::Microseconds(9999999));
  EXPECT_FALSE(Allowed("k"));
  At(absl::Seconds(10));
  EXPECT_TRUE(Allowed("k"));
  EXPECT_FALSE(Allowed("k"));
}

TEST_P(LimitStoreContractTest, NeverAdmitsADoubleBurstAtAWindowEdge) {
  int allowed = 0;
  At(absl::Microseconds(59999000));
  for (int i = 0; i < 10; ++i) {
    allowed += Allowed("edge") ? 1 : 0;
  }
  At(absl::Microseconds(60001000));
  for (int i = 0; i < 10; ++i) {
    allowed += Allowed("edge") ? 1 : 0;
  }
  EXPECT_EQ(allowed, 3);
}

TEST_P(LimitStoreContractTest, KeysAreCountedApart) {
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(Allowed("a"));
  }
  EXPECT_FALSE(Allowed("a"));
  EXPECT_TRUE(Allowed("b"));
}

TEST_P(LimitStoreContractTest, ChecksOfOneCallAnswerInOrderAndSeeEachOther) {
  Results results = Check(
      {{"a", absl::Seconds(10), 1}, {"b", absl::Seconds(10), 1}, {"a", absl::Seconds(10), 1}});
  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(results[0].ok() && results[0]->allowed);
  EXPECT_TRUE(results[1].ok() && results[1]->allowed);
  EXPECT_TRUE(results[2].ok() && !results[2]->allowed);
}

TEST_P(LimitStoreContractTest, ARefundGivesBackOneEvent) {
  const GcraCheck one{"r", absl::Seconds(10), 1};
  // Refund is fire and forget, so only its order on the one connection says
  // when it has happened. The first use of a script after SCRIPT FLUSH goes
  // through a NOSCRIPT retry that a later command can overtake: use it once
  // before the case.
  under_test_->store().Refund({{"warm-up", absl::Seconds(10), 1}});
  Check({{"warm-up-done", absl::Seconds(10), 1}});

  EXPECT_TRUE(Check({one})[0]->allowed);
  EXPECT_FALSE(Check({one})[0]->allowed);
  under_test_->store().Refund({one});
  EXPECT_TRUE(Check({one})[0]->allowed);
  EXPECT_FALSE(Check({one})[0]->allowed);
}

INSTANTIATE_TEST_SUITE_P(EveryStore, LimitStoreContractTest,
                         ::testing::Values("in_memory", "redis"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

}  // namespace
}  // namespace moderation::ratelimit
