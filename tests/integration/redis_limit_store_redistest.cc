#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "absl/strings/match.h"
#include "service/ratelimit/rate_limiter.h"
#include "service/ratelimit/redis_limit_store.h"
#include "service/storage/redis/keys.h"
#include "tests/support/await.h"
#include "tests/support/redis_fixture.h"

namespace moderation::ratelimit {
namespace {

using Results = std::vector<absl::StatusOr<GcraResult>>;

constexpr int64_t kStart = 1790000000LL * 1000000;  // µs

class RedisLimitStoreTest : public testing::RedisTest {
 protected:
  void SetUpWithRedis() override { store_ = std::make_unique<RedisLimitStore>(*client_); }

  // One event under `key` at `at_micros`: 6 a minute, 3 back to back.
  static bool Allowed(RedisLimitStore& store, const std::string& key, int64_t at_micros,
                      absl::Duration* retry_after = nullptr) {
    store.PinTimeForTesting(at_micros);
    Results results = *testing::Await<Results>([&](auto done) {
      store.CheckAll({{key, absl::Seconds(10), 3}}, absl::Seconds(1), done);
    });
    EXPECT_EQ(results.size(), 1u);
    EXPECT_TRUE(results[0].ok()) << results[0].status();
    if (retry_after != nullptr) {
      *retry_after = results[0]->retry_after;
    }
    return results[0]->allowed;
  }

  std::unique_ptr<RedisLimitStore> store_;
};

TEST_F(RedisLimitStoreTest, TripsAtTheConfiguredRateAndRecoversOnTime) {
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(Allowed(*store_, "k", kStart)) << i;
  }
  absl::Duration wait;
  EXPECT_FALSE(Allowed(*store_, "k", kStart, &wait));
  EXPECT_EQ(wait, absl::Seconds(10));
  EXPECT_FALSE(Allowed(*store_, "k", kStart + 9999999));
  EXPECT_TRUE(Allowed(*store_, "k", kStart + 10000000));
}

TEST_F(RedisLimitStoreTest, LimitStateStaysOutOfTheAppendOnlyFile) {
  ASSERT_TRUE(server_->Cli({"CONFIG", "SET", "appendonly", "yes"}).ok());
  // The switch rewrites the file first; what follows goes to its increment.
  for (int i = 0; i < 200; ++i) {
    absl::StatusOr<std::string> info = server_->Cli({"INFO", "persistence"});
    ASSERT_TRUE(info.ok());
    if (absl::StrContains(*info, "aof_rewrite_in_progress:0") &&
        absl::StrContains(*info, "aof_rewrite_scheduled:0") &&
        absl::StrContains(*info, "aof_enabled:1")) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_TRUE(Allowed(*store_, "limit-subject", kStart));
  ASSERT_TRUE(server_->Cli({"SET", "durable-marker", "1"}).ok());
  // Redis still decides with it...
  EXPECT_TRUE(server_->Cli({"EXISTS", redis::keys::RateLimit("limit-subject")})->find('1') !=
              std::string::npos);
  // ...but never writes it where a restart or a replica would read it.
  std::string written;
  for (const auto& entry :
       std::filesystem::directory_iterator(server_->data_dir() + "/appendonlydir")) {
    if (entry.path().string().ends_with(".incr.aof")) {
      std::ifstream file(entry.path(), std::ios::binary);
      written.append(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
    }
  }
  EXPECT_TRUE(absl::StrContains(written, "durable-marker"));
  EXPECT_FALSE(absl::StrContains(written, "limit-subject"));
}

TEST_F(RedisLimitStoreTest, NoDoubleBurstAtAWindowEdge) {
  // A fixed window would allow a full burst at the end of one window and
  // another at the start of the next. GCRA never allows more than the burst
  // plus what the rate earned in between.
  int allowed = 0;
  for (int i = 0; i < 10; ++i) {
    allowed += Allowed(*store_, "edge", kStart + 59999000) ? 1 : 0;
  }
  for (int i = 0; i < 10; ++i) {
    allowed += Allowed(*store_, "edge", kStart + 60001000) ? 1 : 0;
  }
  EXPECT_EQ(allowed, 3);
}

TEST_F(RedisLimitStoreTest, TwoClientsShareOneLimit) {
  std::unique_ptr<redis::RedisClient> other_client = Connect();
  RedisLimitStore other(*other_client);
  EXPECT_TRUE(Allowed(*store_, "shared", kStart));
  EXPECT_TRUE(Allowed(other, "shared", kStart));
  EXPECT_TRUE(Allowed(*store_, "shared", kStart));
  EXPECT_FALSE(Allowed(other, "shared", kStart));
}

TEST_F(RedisLimitStoreTest, UsesRedisTimeWhenNotPinned) {
  // With the server's clock, a burst of 3 still admits exactly 3 at once.
  int allowed = 0;
  for (int i = 0; i < 5; ++i) {
    Results results = *testing::Await<Results>([&](auto done) {
      store_->CheckAll({{"live", absl::Seconds(10), 3}}, absl::Seconds(1), done);
    });
    allowed += results[0].ok() && results[0]->allowed ? 1 : 0;
  }
  EXPECT_EQ(allowed, 3);
  absl::StatusOr<std::string> ttl = server_->Cli({"PTTL", "mod:rl:{live}"});
  ASSERT_TRUE(ttl.ok());
  EXPECT_GT(std::stoll(*ttl), 20000);
  EXPECT_LE(std::stoll(*ttl), 30000);
}

TEST_F(RedisLimitStoreTest, AllChecksOfARequestAnswerTogether) {
  store_->PinTimeForTesting(kStart);
  Results results = *testing::Await<Results>([&](auto done) {
    store_->CheckAll(
        {{"a", absl::Seconds(10), 1}, {"b", absl::Seconds(10), 1}, {"a", absl::Seconds(10), 1}},
        absl::Seconds(1), done);
  });
  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(results[0]->allowed);
  EXPECT_TRUE(results[1]->allowed);
  EXPECT_FALSE(results[2]->allowed);
}

// A stalled Redis must not stall submissions: each check gives up after the
// limiter's short timeout, and the rule's policy decides.
TEST_F(RedisLimitStoreTest, AStalledRedisAnswersWithinTheTimeoutByPolicy) {
  client_->Execute({"DEBUG", "SLEEP", "0.5"}, [](absl::StatusOr<redis::RedisValue>) {});
  SystemClock clock;
  RateLimiter limiter(*store_, clock, LimiterOptions{.store_timeout = absl::Milliseconds(50)});
  LimitRule lenient{.name = "lenient", .count = 6, .period = absl::Minutes(1), .burst = 3};
  LimitRule strict = lenient;
  strict.name = "strict";
  strict.on_store_error = OnStoreError::kRefuse;

  const absl::Time start = absl::Now();
  absl::Status allowed = *testing::Await<absl::Status>([&](auto done) {
    limiter.Check({{&lenient, "x"}}, done);
  });
  absl::Status refused = *testing::Await<absl::Status>([&](auto done) {
    limiter.Check({{&strict, "x"}}, done);
  });
  const absl::Duration took = absl::Now() - start;
  EXPECT_TRUE(allowed.ok()) << allowed;
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable);
  // Redis sleeps 500 ms; waiting for it would take longer than this.
  EXPECT_LT(took, absl::Milliseconds(400));
}

}  // namespace
}  // namespace moderation::ratelimit

namespace moderation::ratelimit {
namespace {

TEST_F(RedisLimitStoreTest, ARefundGivesOneEventBack) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(Allowed(*store_, "r", kStart));
  }
  EXPECT_FALSE(Allowed(*store_, "r", kStart));
  const std::string before = *server_->Cli({"GET", "mod:rl:{r}"});
  store_->Refund({{"r", absl::Seconds(10), 3}});
  // Fire and forget: wait until Redis has applied it.
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        return *server_->Cli({"GET", "mod:rl:{r}"}) != before;
      },
      absl::Seconds(5)));
  EXPECT_TRUE(Allowed(*store_, "r", kStart));
  EXPECT_FALSE(Allowed(*store_, "r", kStart));
}

}  // namespace
}  // namespace moderation::ratelimit

namespace moderation::ratelimit {
namespace {

TEST_F(RedisLimitStoreTest, ShadowModeRefusesNothingButCounts) {
  SystemClock clock;
  RateLimiter limiter(*store_, clock, LimiterOptions{.store_timeout = absl::Seconds(1)});
  LimitRule shadow{
      .name = "shadowed", .count = 6, .period = absl::Minutes(1), .burst = 3, .shadow = true};
  for (int i = 0; i < 10; ++i) {
    EXPECT_TRUE(testing::Await<absl::Status>([&](auto done) {
                  limiter.Check({{&shadow, "s"}}, done);
                })->ok());
  }
  EXPECT_EQ(limiter.shadow_trips(), 7);
}

}  // namespace
}  // namespace moderation::ratelimit
