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

// What every SpamMemory does is in store_contracts_redistest.cc; here, what
// only the Redis one can get wrong.
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
