#include <gtest/gtest.h>

#include "service/pow/redis_cost_ledger.h"
#include "service/storage/redis/keys.h"
#include "tests/support/await.h"
#include "tests/support/fake_clock.h"
#include "tests/support/redis_fixture.h"
#include "tests/support/redis_server.h"

namespace moderation::pow {
namespace {

class RedisCostLedgerTest : public testing::RedisTest {
 protected:
  void SetUpWithRedis() override {
    ledger_ = std::make_unique<RedisCostLedger>(*client_, clock_,
                                                CostOptions{.half_life = absl::Minutes(15)});
  }

  double Score(std::vector<std::string> sources) {
    absl::StatusOr<double> score =
        *testing::Await<absl::StatusOr<double>>([&](auto done) { ledger_->Score(sources, done); });
    EXPECT_TRUE(score.ok()) << score.status();
    return score.ok() ? *score : -1;
  }
  // Record is fire and forget; a PING behind it on the same connection
  // answers once the script has run.
  void Record(std::vector<std::string> sources, double weight) {
    ledger_->Record(std::move(sources), weight);
    ASSERT_TRUE(testing::Await<absl::StatusOr<redis::RedisValue>>([&](auto done) {
                  client_->Execute({"PING"}, done);
                })->ok());
  }

  testing::FakeClock clock_;
  std::unique_ptr<RedisCostLedger> ledger_;
};

TEST_F(RedisCostLedgerTest, RefusalsAddUpPerSourceAndTheHighestCounts) {
  EXPECT_EQ(Score({"ip:a", "net:b"}), 0);
  for (int i = 0; i < 10; ++i) {
    Record({"ip:a" + std::to_string(i), "net:b"}, 1);
  }
  EXPECT_NEAR(Score({"ip:a0", "net:b"}), 10, 1e-3);
  EXPECT_NEAR(Score({"ip:a0"}), 1, 1e-3);
  EXPECT_EQ(Score({"ip:elsewhere", "net:c"}), 0);
  EXPECT_EQ(Score({}), 0);
}

TEST_F(RedisCostLedgerTest, ScoresDecayByTheInjectedClockAndExpire) {
  Record({"net:b"}, 8);
  clock_.Advance(absl::Minutes(30));
  EXPECT_NEAR(Score({"net:b"}), 2, 1e-3);
  // A new refusal adds to what is left, not to what was.
  Record({"net:b"}, 1);
  EXPECT_NEAR(Score({"net:b"}), 3, 1e-3);
  absl::StatusOr<std::string> ttl = server_->Cli({"PTTL", redis::keys::PowCost("net:b")});
  ASSERT_TRUE(ttl.ok());
  EXPECT_GT(std::stoll(*ttl), absl::ToInt64Milliseconds(absl::Minutes(15)) * 10);
}

TEST_F(RedisCostLedgerTest, AnUnreadableValueCountsAsNothing) {
  ASSERT_TRUE(server_->Cli({"SET", redis::keys::PowCost("ip:x"), "garbage"}).ok());
  EXPECT_EQ(Score({"ip:x"}), 0);
  Record({"ip:x"}, 1);
  EXPECT_NEAR(Score({"ip:x"}), 1, 1e-3);
}

}  // namespace
}  // namespace moderation::pow
