#include <gtest/gtest.h>

#include "absl/strings/numbers.h"
#include "service/captcha/redis_captcha_store.h"
#include "service/storage/redis/keys.h"
#include "tests/support/await.h"
#include "tests/support/redis_fixture.h"

namespace moderation::captcha {
namespace {

class RedisCaptchaStoreTest : public testing::RedisTest {
 protected:
  void SetUpWithRedis() override { store_ = std::make_unique<RedisCaptchaStore>(*client_); }

  absl::Status Save(const std::string& id, const std::string& digest, absl::Duration ttl) {
    return *testing::Await<absl::Status>([&](auto done) { store_->Save(id, digest, ttl, done); });
  }
  absl::StatusOr<TakeResult> Take(const std::string& id) {
    return *testing::Await<absl::StatusOr<TakeResult>>([&](auto done) { store_->Take(id, done); });
  }

  std::unique_ptr<RedisCaptchaStore> store_;
};

TEST_F(RedisCaptchaStoreTest, TakeReturnsTheDigestOnceThenSaysUsed) {
  ASSERT_TRUE(Save("c1", "digest-bytes", absl::Minutes(5)).ok());
  absl::StatusOr<TakeResult> first = Take("c1");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->outcome, TakeOutcome::kTaken);
  EXPECT_EQ(first->answer_digest, "digest-bytes");
  EXPECT_EQ(Take("c1")->outcome, TakeOutcome::kAlreadyUsed);
  EXPECT_EQ(Take("never-issued")->outcome, TakeOutcome::kMissing);
  // Asking about an unknown captcha must not create it (an empty value would
  // read as "used", and without a TTL it would stay forever).
  EXPECT_EQ(*server_->Cli({"EXISTS", redis::keys::Captcha("never-issued")}), "0");
}

TEST_F(RedisCaptchaStoreTest, TheKeyExpiresWithTheCaptchaEvenAfterUse) {
  ASSERT_TRUE(Save("c2", "d", absl::Seconds(120)).ok());
  ASSERT_TRUE(Take("c2").ok());
  absl::StatusOr<std::string> ttl = server_->Cli({"TTL", redis::keys::Captcha("c2")});
  ASSERT_TRUE(ttl.ok());
  int seconds = 0;
  ASSERT_TRUE(absl::SimpleAtoi(*ttl, &seconds)) << *ttl;
  EXPECT_GT(seconds, 100);
  EXPECT_LE(seconds, 120);
}

TEST_F(RedisCaptchaStoreTest, ConcurrentAttemptsOnOneCaptchaLetExactlyOneThrough) {
  ASSERT_TRUE(Save("c3", "d", absl::Minutes(1)).ok());
  constexpr int kAttempts = 50;
  std::atomic<int> taken{0};
  std::atomic<int> remaining{kAttempts};
  absl::Notification done;
  for (int i = 0; i < kAttempts; ++i) {
    store_->Take("c3", [&](absl::StatusOr<TakeResult> result) {
      if (result.ok() && result->outcome == TakeOutcome::kTaken) {
        ++taken;
      }
      if (--remaining == 0) {
        done.Notify();
      }
    });
  }
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_EQ(taken.load(), 1);
}

}  // namespace
}  // namespace moderation::captcha
