// A Sentinel failover under load: the primary is killed, the Sentinels
// promote a replica, the server follows it. With redis.wait_replicas = 1
// every acknowledged comment was on a replica before the reader was told, so
// none is lost.

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/chaos/chaos_fixture.h"
#include "tests/support/redis_sentinel_group.h"

namespace moderation::chaos {
namespace {

TEST_F(ChaosTest, SentinelFailoverUnderLoadLosesNoAcknowledgedComment) {
  // A primary and two replicas: after the failover one replica is left to
  // confirm writes (with a single replica, WAIT would refuse every write
  // until the old primary came back as a replica).
  absl::StatusOr<std::unique_ptr<testing::RedisSentinelGroup>> group =
      testing::RedisSentinelGroup::Start(/*replicas=*/2);
  ASSERT_TRUE(group.ok()) << group.status();
  ASSERT_TRUE((*group)->WaitUntilSettled(absl::Seconds(30)).ok());
  const int first_primary = (*group)->PrimaryPort();
  ASSERT_NE(first_primary, 0);

  StartServer("redis://127.0.0.1:6379/0",
              {{"MODERATION_REDIS_SENTINELS", absl::StrJoin((*group)->SentinelAddresses(), ",")},
               {"MODERATION_REDIS_MASTER_NAME", testing::RedisSentinelGroup::kMasterName},
               {"MODERATION_REDIS_WAIT_REPLICAS", "1"},
               {"MODERATION_REDIS_WAIT_TIMEOUT_MS", "200"}});
  SubmissionLoad load(Load());
  load.Start();
  ASSERT_TRUE(testing::WaitFor([&] { return load.acknowledged() >= 30; }, absl::Seconds(30)));

  ASSERT_TRUE((*group)->KillNode(first_primary).ok());
  int new_primary = 0;
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        new_primary = (*group)->PrimaryPort();
        return new_primary != 0 && new_primary != first_primary;
      },
      absl::Seconds(30)))
      << "no failover; see " << (*group)->dir();
  const absl::Time switched = absl::Now();
  const int before = load.acknowledged();
  ASSERT_TRUE(
      testing::WaitFor([&] { return load.acknowledged() >= before + 30; }, absl::Seconds(20)));
  const LoadReport report = load.Stop();

  const absl::Duration recovery = report.FirstAcknowledgedAfter(switched) - switched;
  EXPECT_LE(recovery, absl::Seconds(1));
  Summarise("sentinel failover (primary SIGKILL, WAIT 1)", report,
            AuditRedis(absl::StrCat("redis://127.0.0.1:", new_primary), report), recovery);
}

}  // namespace
}  // namespace moderation::chaos
