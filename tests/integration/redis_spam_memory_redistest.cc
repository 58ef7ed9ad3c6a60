#include <gtest/gtest.h>

#include <thread>

#include "service/spam/redis_spam_memory.h"
#include "tests/support/await.h"
#include "tests/support/redis_fixture.h"

namespace moderation::spam {
namespace {

class RedisSpamMemoryTest : public testing::RedisTest {
 protected:
  void SetUpWithRedis() override {
    memory_ = std::make_unique<RedisSpamMemory>(*client_, absl::Seconds(1));
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

  std::unique_ptr<RedisSpamMemory> memory_;
};

TEST_F(RedisSpamMemoryTest, CountsEarlierCopiesOnlyOnceRemembered) {
  const BodyRecord body = Record("aa11", std::nullopt, "author-1");
  EXPECT_EQ(Recall(body).earlier_copies, 0);
  // Asking does not record: a retry after a wrong captcha is not a repeat.
  EXPECT_EQ(Recall(body).earlier_copies, 0);
  RememberAndSync(body);
  EXPECT_EQ(Recall(body).earlier_copies, 1);
  RememberAndSync(body);
  EXPECT_EQ(Recall(body).earlier_copies, 2);
  EXPECT_EQ(Recall(Record("bb22", std::nullopt, "author-1")).earlier_copies, 0);
}

TEST_F(RedisSpamMemoryTest, RepeatsAreForgottenAfterTheWindow) {
  BodyRecord body = Record("cc33", std::nullopt, "author-1");
  body.repeat_window = absl::Milliseconds(200);
  RememberAndSync(body);
  EXPECT_EQ(Recall(body).earlier_copies, 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_EQ(Recall(body).earlier_copies, 0);
}

TEST_F(RedisSpamMemoryTest, FindsNearDuplicatesFromOtherAuthorsOnly) {
  const uint64_t hash = 0x0123456789abcdefULL;
  RememberAndSync(Record("d1", hash, "author-1"));
  // The same author again is a repeat, not a near-duplicate by someone else.
  EXPECT_EQ(Recall(Record("d2", hash ^ 0x1, "author-1")).near_duplicate_authors, 0);
  // Two bits off, another author: found.
  EXPECT_EQ(Recall(Record("d2", hash ^ 0x11, "author-2")).near_duplicate_authors, 1);
  // One bit off in every band: 4 bits apart, beyond the 3 allowed.
  EXPECT_EQ(Recall(Record("d3", hash ^ 0x0001000100010001ULL, "author-2")).near_duplicate_authors,
            0);
  RememberAndSync(Record("d4", hash ^ 0x4, "author-3"));
  EXPECT_EQ(Recall(Record("d5", hash, "author-4")).near_duplicate_authors, 2);
}

TEST_F(RedisSpamMemoryTest, UnreachableRedisIsAnErrorNotAHang) {
  ASSERT_TRUE(server_->Kill().ok());
  absl::StatusOr<Recollection> recalled = *testing::Await<absl::StatusOr<Recollection>>(
      [&](auto done) { memory_->Recall(Record("ee", 1, "a"), done); });
  EXPECT_EQ(recalled.status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(RedisSpamMemoryTest, KeysHoldNoTextOnlyDigests) {
  RememberAndSync(Record("ff66", 0xfeedULL, "author-9"));
  absl::StatusOr<redis::RedisValue> keys =
      *testing::Await<absl::StatusOr<redis::RedisValue>>([&](auto done) {
        client_->Execute({"KEYS", "mod:{s}:*"}, done);
      });
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->elements.size(), 5U);  // the body counter and four bands
}

}  // namespace
}  // namespace moderation::spam
