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

// What every CaptchaStore does is in store_contracts_redistest.cc; here, what
// only the Redis one can get wrong.
TEST_F(RedisCaptchaStoreTest, AskingAboutAnUnknownCaptchaCreatesNoKey) {
  EXPECT_EQ(Take("never-issued")->outcome, TakeOutcome::kMissing);
  // An empty value would read as "used", and without a TTL it would stay forever.
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

}  // namespace
}  // namespace moderation::captcha
