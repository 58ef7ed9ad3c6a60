#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "service/retention/redis_retention_store.h"
#include "service/retention/retention_sweeper.h"
#include "service/storage/redis/keys.h"
#include "tests/support/fake_clock.h"
#include "tests/support/redis_fixture.h"

namespace moderation::retention {
namespace {

constexpr int64_t kDayMs = int64_t{86400} * 1000;

// Comments are written as RedisCommentRepository stores them (see
// redis/keys.h), so that this test does not depend on how they got there.
class RedisRetentionStoreTest : public testing::RedisTest {
 protected:
  void SetUpWithRedis() override { store_ = std::make_unique<RedisRetentionStore>(*client_); }

  std::string Cli(const std::vector<std::string>& args) {
    absl::StatusOr<std::string> out = server_->Cli(args);
    EXPECT_TRUE(out.ok()) << out.status();
    return out.value_or("");
  }

  // A comment created `created_days` ago (relative to clock_), decided
  // `decided_days` ago unless pending, in its authors' histories.
  void AddComment(const std::string& id, const std::string& status, int created_days,
                  int decided_days = 0) {
    const int64_t now_ms = absl::ToUnixMillis(clock_.Now());
    const std::string phone_digest(64, 'b');
    const std::string ip_digest = id.back() + std::string(63, 'c');
    std::vector<std::string> hset = {"HSET",         redis::keys::Comment(id),
                                     "id",           id,
                                     "status",       status,
                                     "body",         "Nội dung",
                                     "network",      "203.0.113.0/24",
                                     "created_ms",   std::to_string(now_ms - created_days * kDayMs),
                                     "phone",        "v1.k1.sealed",
                                     "phone_digest", phone_digest,
                                     "ip",           ip_digest,
                                     "ua",           "Mozilla/5.0"};
    if (status != "pending") {
      hset.insert(hset.end(), {"decided_ms", std::to_string(now_ms - decided_days * kDayMs),
                               "decided_by", "m"});
    } else {
      Cli({"ZADD", redis::keys::PendingQueue(), "0", "1" + id});
      Cli({"SET", redis::keys::Claim(id), "m s1"});
    }
    Cli(hset);
    Cli({"ZADD", redis::keys::AuthorIndex("ph-" + phone_digest.substr(0, 32)), "1", id});
    Cli({"ZADD", redis::keys::AuthorIndex("ip-" + ip_digest.substr(0, 32)), "1", id});
  }

  std::unique_ptr<RedisRetentionStore> store_;
  testing::FakeClock clock_;
};

TEST_F(RedisRetentionStoreTest, ErasesOldPersonalDataAndExpiresOldPendingComments) {
  AddComment("c1", "approved", 100, 95);  // decided 95 days ago: erased
  AddComment("c2", "rejected", 100, 10);  // decided 10 days ago: kept
  AddComment("c3", "pending", 40);        // waiting 40 days: expired
  AddComment("c4", "pending", 5);         // waiting 5 days: kept
  RetentionSweeper sweeper(*store_, clock_,
                           {.personal_data = absl::Hours(24) * 90,
                            .pending_max_age = absl::Hours(24) * 30,
                            .interval = absl::Hours(1),
                            .batch = 1,
                            .pause = absl::ZeroDuration()});
  absl::StatusOr<SweepCounts> counts = sweeper.SweepOnce();
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_EQ(counts->examined, 4);
  EXPECT_EQ(counts->erased, 1);
  EXPECT_EQ(counts->expired, 1);

  // c1: text, status and network stay; personal data and histories go.
  for (const char* field : {"phone", "phone_digest", "ip", "ua"}) {
    EXPECT_EQ(Cli({"HEXISTS", redis::keys::Comment("c1"), field}), "0") << field;
  }
  EXPECT_EQ(Cli({"HGET", redis::keys::Comment("c1"), "status"}), "approved");
  EXPECT_EQ(Cli({"HGET", redis::keys::Comment("c1"), "network"}), "203.0.113.0/24");
  EXPECT_EQ(Cli({"EXISTS", redis::keys::AuthorIndex("ip-1" + std::string(31, 'c'))}), "0");
  // c2 untouched.
  EXPECT_EQ(Cli({"HGET", redis::keys::Comment("c2"), "phone"}), "v1.k1.sealed");
  EXPECT_EQ(Cli({"ZRANGE", redis::keys::AuthorIndex("ph-" + std::string(32, 'b')), "0", "-1"}),
            "c2\nc4");
  // c3 gone from everywhere; c4 still queued.
  EXPECT_EQ(Cli({"EXISTS", redis::keys::Comment("c3"), redis::keys::Claim("c3")}), "0");
  EXPECT_EQ(Cli({"ZRANGE", redis::keys::PendingQueue(), "0", "-1"}), "1c4");

  // A second sweep finds nothing more to do.
  counts = sweeper.SweepOnce();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->erased + counts->expired, 0);
}

TEST_F(RedisRetentionStoreTest, EachStepSaysWhichCommentsItErasedAndWhichItExpired) {
  AddComment("c1", "approved", 100, 95);  // erased
  AddComment("c2", "rejected", 100, 91);  // erased
  AddComment("c3", "rejected", 100, 10);  // kept
  AddComment("c4", "pending", 40);        // expired
  AddComment("c5", "pending", 5);         // kept
  const absl::Time now = clock_.Now();
  const SweepCutoffs cutoffs{.erase_decided_before = now - absl::Hours(24) * 90,
                             .expire_pending_before = now - absl::Hours(24) * 30};
  std::vector<std::string> erased;
  std::vector<std::string> expired;
  int64_t examined = 0;
  std::string cursor = "0";
  int steps = 0;
  do {
    absl::StatusOr<SweepStep> step = store_->Sweep(cursor, 2, cutoffs);
    ASSERT_TRUE(step.ok()) << step.status();
    EXPECT_EQ(step->counts.erased, static_cast<int64_t>(step->erased_ids.size()));
    EXPECT_EQ(step->counts.expired, static_cast<int64_t>(step->expired_ids.size()));
    erased.insert(erased.end(), step->erased_ids.begin(), step->erased_ids.end());
    expired.insert(expired.end(), step->expired_ids.begin(), step->expired_ids.end());
    examined += step->counts.examined;
    cursor = step->next_cursor;
    ASSERT_LT(++steps, 100) << "the sweep does not come round";
  } while (cursor != "0");
  EXPECT_EQ(examined, 5);
  std::sort(erased.begin(), erased.end());  // SCAN's order is Redis's
  EXPECT_EQ(erased, (std::vector<std::string>{"c1", "c2"}));
  EXPECT_EQ(expired, (std::vector<std::string>{"c4"}));
  EXPECT_EQ(Cli({"HEXISTS", redis::keys::Comment("c2"), "phone"}), "0");
  EXPECT_EQ(Cli({"EXISTS", redis::keys::Comment("c4")}), "0");

  // What was done is not done again, nor reported again.
  absl::StatusOr<SweepStep> again = store_->Sweep("0", 100, cutoffs);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->erased_ids.empty());
  EXPECT_TRUE(again->expired_ids.empty());
}

TEST_F(RedisRetentionStoreTest, RulesThatAreOffTouchNothing) {
  AddComment("c1", "approved", 400, 400);
  AddComment("c2", "pending", 400);
  absl::StatusOr<SweepStep> step = store_->Sweep("0", 100, SweepCutoffs());
  ASSERT_TRUE(step.ok()) << step.status();
  EXPECT_EQ(step->counts.erased + step->counts.expired, 0);
  EXPECT_TRUE(step->erased_ids.empty());
  EXPECT_TRUE(step->expired_ids.empty());
  EXPECT_EQ(Cli({"HGET", redis::keys::Comment("c1"), "phone"}), "v1.k1.sealed");
  EXPECT_EQ(Cli({"EXISTS", redis::keys::Comment("c2")}), "1");
}

}  // namespace
}  // namespace moderation::retention
