#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "service/spam/redis_spam_memory.h"
#include "tests/support/await.h"
#include "tests/support/fake_clock.h"
#include "tests/support/redis_fixture.h"

namespace moderation::spam {
namespace {

class RedisSpamMemoryTest : public testing::RedisTest {
 protected:
  void SetUpWithRedis() override {
    memory_ = std::make_unique<RedisSpamMemory>(*client_, absl::Seconds(1), clock_);
  }

  static BodyRecord Record(std::string digest, std::optional<uint64_t> simhash,
                           std::string author) {
    BodyRecord record;
    record.body_digest = std::move(digest);
    record.simhash = simhash;
    record.author_digest = std::move(author);
    record.repeat_window = absl::Seconds(60);
    record.near_window = absl::Seconds(60);
    record.max_distance = 3;
    return record;
  }

  Recollection Recall(const BodyRecord& record) {
    absl::StatusOr<Recollection> recalled = *testing::Await<absl::StatusOr<Recollection>>(
        [&](auto done) { memory_->Recall(record, done); });
    EXPECT_TRUE(recalled.ok()) << recalled.status();
    return recalled.value_or(Recollection{});
  }

  // Remember is fire-and-forget; a round trip after it has been applied.
  void RememberAndSync(const BodyRecord& record) {
    memory_->Remember(record);
    ASSERT_TRUE(testing::Await<absl::StatusOr<redis::RedisValue>>([&](auto done) {
                  client_->Execute({"PING"}, done);
                })->ok());
  }

  SystemClock clock_;
  std::unique_ptr<RedisSpamMemory> memory_;
};

// What every SpamMemory does is in store_contracts_redistest.cc; here, what
// only the Redis one can get wrong.
TEST_F(RedisSpamMemoryTest, UnreachableRedisIsAnErrorNotAHang) {
  ASSERT_TRUE(server_->Kill().ok());
  absl::StatusOr<Recollection> recalled = *testing::Await<absl::StatusOr<Recollection>>(
      [&](auto done) { memory_->Recall(Record("ee", 1, "a"), done); });
  EXPECT_EQ(recalled.status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(RedisSpamMemoryTest, OnePeriodHashHoldsDigestsAndBandsAndExpires) {
  const absl::Time now = absl::Now();
  RememberAndSync(Record("ff66", 0xfeedULL, "author-9"));
  const SpamMemoryStep step = SpamMemoryStepFor(Record("ff66", 0xfeedULL, "author-9"), now);
  absl::StatusOr<redis::RedisValue> keys =
      *testing::Await<absl::StatusOr<redis::RedisValue>>([&](auto done) {
        client_->Execute({"KEYS", "mod:{s}:*"}, done);
      });
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->elements.size(), 1U);  // one hash for the period, not a key per band
  EXPECT_EQ(keys->elements[0].string, step.keys[0]);
  absl::StatusOr<redis::RedisValue> fields =
      *testing::Await<absl::StatusOr<redis::RedisValue>>([&](auto done) {
        client_->Execute({"HKEYS", step.keys[0]}, done);
      });
  ASSERT_TRUE(fields.ok());
  std::vector<std::string> names;
  for (const redis::RedisValue& field : fields->elements) {
    names.push_back(field.string);
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"0feed", "10000", "20000", "30000", "bff66", "t"}));
  // It outlives its own period by one more, and no longer.
  absl::StatusOr<redis::RedisValue> ttl =
      *testing::Await<absl::StatusOr<redis::RedisValue>>([&](auto done) {
        client_->Execute({"PTTL", step.keys[0]}, done);
      });
  ASSERT_TRUE(ttl.ok());
  EXPECT_GT(ttl->integer, 60000 - step.now_ms - 5000);
  EXPECT_LE(ttl->integer, 2 * 60000 - step.now_ms);
}

TEST_F(RedisSpamMemoryTest, AFieldKeepsOnlyTheMostRecentCopies) {
  for (int i = 0; i < 40; ++i) {
    RememberAndSync(Record("aa77", std::nullopt, absl::StrCat("author-", i)));
  }
  // A body's field keeps its 32 most recent copies: a flood is counted up to
  // there, and its field stays small.
  EXPECT_EQ(Recall(Record("aa77", std::nullopt, "author-x")).earlier_copies, 32);
}

TEST_F(RedisSpamMemoryTest, ThePreviousPeriodIsReadToo) {
  BodyRecord body = Record("cc88", 0x1234ULL, "author-1");
  BodyRecord other = Record("cc99", 0x1234ULL, "author-2");
  // Half a second into a period of 60 s, by a clock of the test's own.
  const absl::Time period_start = absl::FromUnixMillis(int64_t{29833333} * 60000);
  testing::FakeClock clock(period_start + absl::Milliseconds(500));
  RedisSpamMemory memory(*client_, absl::Seconds(1), clock);
  // A second earlier, in the previous period's hash.
  clock.Advance(absl::Seconds(-1));
  memory.Remember(body);
  clock.Advance(absl::Seconds(1));
  absl::StatusOr<Recollection> recalled =
      *testing::Await<absl::StatusOr<Recollection>>([&](auto done) { memory.Recall(other, done); });
  ASSERT_TRUE(recalled.ok()) << recalled.status();
  EXPECT_EQ(recalled->near_duplicate_authors, 1);
  recalled =
      *testing::Await<absl::StatusOr<Recollection>>([&](auto done) { memory.Recall(body, done); });
  ASSERT_TRUE(recalled.ok()) << recalled.status();
  EXPECT_EQ(recalled->earlier_copies, 1);
  // A minute after it was posted, both windows have passed.
  clock.Advance(absl::Seconds(59));
  recalled =
      *testing::Await<absl::StatusOr<Recollection>>([&](auto done) { memory.Recall(other, done); });
  ASSERT_TRUE(recalled.ok()) << recalled.status();
  EXPECT_EQ(recalled->near_duplicate_authors, 0);
}

}  // namespace
}  // namespace moderation::spam
