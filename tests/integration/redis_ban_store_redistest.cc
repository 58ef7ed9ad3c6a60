#include <gtest/gtest.h>

#include "service/bans/redis_ban_store.h"
#include "tests/support/await.h"
#include "tests/support/redis_fixture.h"

namespace moderation::bans {
namespace {

class RedisBanStoreTest : public testing::RedisTest {
 protected:
  void SetUpWithRedis() override { store_ = std::make_unique<RedisBanStore>(*client_, clock_); }

  Ban MakeBan(const std::string& id, std::optional<absl::Duration> lasting) {
    Ban ban;
    ban.id = id;
    ban.kind = BanKind::kPhone;
    ban.target_display = "+84 9•• ••• •45";
    ban.reason = "rao vặt";
    ban.created_by = "mod";
    ban.create_time = clock_.Now();
    if (lasting) {
      ban.expire_time = clock_.Now() + *lasting;
    }
    return ban;
  }
  absl::Status Put(const Ban& ban) {
    return *testing::Await<absl::Status>([&](auto done) { store_->Put(ban, done); });
  }
  std::optional<Ban> Find(std::vector<std::string> ids) {
    return testing::Await<absl::StatusOr<std::optional<Ban>>>(
               [&](auto done) { store_->FindAny(ids, absl::Seconds(1), done); })
        ->value();
  }
  std::vector<Ban> List(int offset, int limit) {
    return testing::Await<absl::StatusOr<std::vector<Ban>>>(
               [&](auto done) { store_->List(offset, limit, done); })
        ->value();
  }

  SystemClock clock_;
  std::unique_ptr<RedisBanStore> store_;
};

TEST_F(RedisBanStoreTest, ABanAppliesThenExpiresByItself) {
  ASSERT_TRUE(Put(MakeBan("tel-1", absl::Milliseconds(300))).ok());
  std::optional<Ban> found = Find({"ip-x", "tel-1"});
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->reason, "rao vặt");
  EXPECT_TRUE(found->expire_time.has_value());
  EXPECT_TRUE(testing::WaitFor([&] { return !Find({"tel-1"}).has_value(); }, absl::Seconds(5)));
  EXPECT_TRUE(List(0, 10).empty());
}

TEST_F(RedisBanStoreTest, PermanentBansListNewestFirstAndCanBeLifted) {
  ASSERT_TRUE(Put(MakeBan("net-a", std::nullopt)).ok());
  Ban newer = MakeBan("net-b", std::nullopt);
  newer.create_time += absl::Milliseconds(5);
  ASSERT_TRUE(Put(newer).ok());
  std::vector<Ban> listed = List(0, 10);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].id, "net-b");
  EXPECT_EQ(List(1, 10).size(), 1u);
  EXPECT_TRUE(
      testing::Await<absl::Status>([&](auto done) { store_->Delete("net-b", done); })->ok());
  EXPECT_EQ(testing::Await<absl::Status>([&](auto done) { store_->Delete("net-b", done); })->code(),
            absl::StatusCode::kNotFound);
  EXPECT_FALSE(Find({"net-b"}).has_value());
  EXPECT_TRUE(Find({"net-a"}).has_value());
}

}  // namespace
}  // namespace moderation::bans
