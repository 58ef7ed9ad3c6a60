// Redis crashes, stops and freezes under a steady load of submissions: every
// acknowledged comment must be in Redis afterwards, exactly once; calls fail
// fast (no call waits for its deadline) and the service serves again within a
// second of Redis coming back.

#include <signal.h>

#include "tests/chaos/chaos_fixture.h"

namespace moderation::chaos {
namespace {

constexpr char kCommentService[] = "moderation.v1.CommentService";

// Waits until `load` has `more` acknowledgements beyond what it has now.
bool AcknowledgesMore(const SubmissionLoad& load, int more, absl::Duration timeout) {
  const int target = load.acknowledged() + more;
  return testing::WaitFor([&] { return load.acknowledged() >= target; }, timeout);
}

TEST_F(ChaosTest, RedisKilledAndRestartedUnderLoad) {
  StartRedis();
  StartServer(redis_->url());
  SubmissionLoad load(Load());
  load.Start();
  ASSERT_TRUE(AcknowledgesMore(load, 30, absl::Seconds(30)));

  ASSERT_TRUE(redis_->Kill().ok());
  absl::SleepFor(absl::Seconds(1));
  ASSERT_TRUE(redis_->Restart().ok());
  const absl::Time back = absl::Now();
  ASSERT_TRUE(AcknowledgesMore(load, 30, absl::Seconds(30)));
  const LoadReport report = load.Stop();

  const absl::Duration recovery = report.FirstAcknowledgedAfter(back) - back;
  EXPECT_LE(recovery, absl::Seconds(1));
  // A dead Redis fails calls at once; a rare slow one is the shared CPU.
  EXPECT_LT(report.FailedCallQuantile(0.9), absl::Milliseconds(250));
  Summarise("redis SIGKILL + restart", report, AuditRedis(redis_->url(), report), recovery);
}

TEST_F(ChaosTest, RedisDownForSecondsUnderLoad) {
  StartRedis();
  StartServer(redis_->url());
  SubmissionLoad load(Load());
  load.Start();
  ASSERT_TRUE(AcknowledgesMore(load, 30, absl::Seconds(30)));

  ASSERT_TRUE(redis_->Kill().ok());
  // While Redis is away, the health service says so and calls fail at once.
  EXPECT_TRUE(testing::WaitFor([&] { return HealthOf(channel_, kCommentService) == "NOT_SERVING"; },
                               absl::Seconds(1)));
  EXPECT_EQ(HealthOf(channel_, "moderation.v1.ModerationService"), "NOT_SERVING");
  absl::SleepFor(absl::Seconds(3));
  ASSERT_TRUE(redis_->Restart().ok());
  const absl::Time back = absl::Now();
  EXPECT_TRUE(testing::WaitFor([&] { return HealthOf(channel_, kCommentService) == "SERVING"; },
                               absl::Seconds(1)));
  ASSERT_TRUE(AcknowledgesMore(load, 30, absl::Seconds(30)));
  const LoadReport report = load.Stop();

  const absl::Duration recovery = report.FirstAcknowledgedAfter(back) - back;
  EXPECT_LE(recovery, absl::Seconds(1));
  // A dead Redis fails calls at once; a rare slow one is the shared CPU.
  EXPECT_LT(report.FailedCallQuantile(0.9), absl::Milliseconds(250));
  Summarise("redis down 3 s", report, AuditRedis(redis_->url(), report), recovery);
}

TEST_F(ChaosTest, RedisFrozenUnderLoad) {
  StartRedis();
  StartServer(redis_->url());
  SubmissionLoad load(Load());
  load.Start();
  ASSERT_TRUE(AcknowledgesMore(load, 30, absl::Seconds(30)));

  // A frozen Redis keeps its connections open and answers nothing: only the
  // command timeout (500 ms here) notices.
  ASSERT_TRUE(redis_->Signal(SIGSTOP).ok());
  absl::SleepFor(absl::Seconds(2));
  ASSERT_TRUE(redis_->Signal(SIGCONT).ok());
  const absl::Time back = absl::Now();
  ASSERT_TRUE(AcknowledgesMore(load, 30, absl::Seconds(30)));
  const LoadReport report = load.Stop();

  const absl::Duration recovery = report.FirstAcknowledgedAfter(back) - back;
  EXPECT_LE(recovery, absl::Seconds(1));
  // A call waits at most one command timeout (500 ms) before UNAVAILABLE.
  EXPECT_LT(report.FailedCallQuantile(0.9), absl::Milliseconds(1000));
  Summarise("redis SIGSTOP 2 s + SIGCONT", report, AuditRedis(redis_->url(), report), recovery);
}

}  // namespace
}  // namespace moderation::chaos
