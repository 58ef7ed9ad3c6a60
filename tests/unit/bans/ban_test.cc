#include "service/bans/ban.h"

#include <gtest/gtest.h>

#include "service/common/errors.h"
#include "service/moderation/ban_desk.h"
#include "tests/support/await.h"
#include "tests/support/fake_clock.h"
#include "tests/support/fake_random.h"
#include "tests/support/in_memory_ban_store.h"
#include "tests/support/in_memory_comment_repository.h"

namespace moderation::bans {
namespace {

std::vector<std::string> IdsFor(const privacy::Pseudonymiser& k, absl::string_view ip,
                                absl::string_view phone) {
  return BanIdsFor(k, k.AddressDigest(ip), ip, phone);
}

TEST(BanIdsTest, ASubmissionIsCheckedAgainstItsAddressBlocksAndPhone) {
  const privacy::Pseudonymiser k("k");
  const std::vector<std::string> ids = IdsFor(k, "203.0.113.9", "+84912345678");
  ASSERT_EQ(ids.size(), 4u);
  EXPECT_EQ(ids[0], IpAddressBanId(k, "203.0.113.9"));
  EXPECT_EQ(ids[1], IpPrefixBanId(k, "203.0.113.0/24"));
  EXPECT_EQ(ids[2], IpPrefixBanId(k, "203.0.0.0/16"));
  EXPECT_EQ(ids[3], PhoneBanId(k, "+84912345678"));
  EXPECT_EQ(IdsFor(k, "2001:db8:1:2::5", "")[1], IpPrefixBanId(k, "2001:db8:1:2::/64"));
  for (const std::string& id : ids) {
    EXPECT_EQ(id.find("203.0"), std::string::npos);
  }
}

// Stored bans carry these ids: the values are pinned (HMAC-SHA-256 under
// "pinned-key" of "ip:…", "ban-prefix:…", "ban-phone:…", computed apart).
TEST(BanIdsTest, IdsAreTheOnesStoredBans) {
  const std::vector<std::string> ids =
      IdsFor(privacy::Pseudonymiser("pinned-key"), "203.0.113.9", "+84912345678");
  ASSERT_EQ(ids.size(), 4u);
  EXPECT_EQ(ids[0], "ip-5b8666ec9bd5f3316ad88b877b8120b4");
  EXPECT_EQ(ids[1], "net-e8e5c832fe546505ddfa45ba18257453");
  EXPECT_EQ(ids[3], "tel-0ae9bdf1f745bde9caa5063238714003");
}

TEST(BanIdsTest, AnAddressBanMatchesTheDigestCommentsStore) {
  const privacy::Pseudonymiser k("k");
  EXPECT_EQ(IpAddressBanId(k, "203.0.113.9").substr(0, 3), "ip-");
  EXPECT_NE(IpAddressBanId(k, "203.0.113.9"), IpAddressBanId(k, "203.0.113.10"));
  EXPECT_NE(IpAddressBanId(k, "203.0.113.9"),
            IpAddressBanId(privacy::Pseudonymiser("other"), "203.0.113.9"));
}

TEST(CanonicalBanPrefixTest, ClearsHostBitsAndRefusesOtherLengths) {
  EXPECT_EQ(*CanonicalBanPrefix("203.0.113.77/24"), "203.0.113.0/24");
  EXPECT_EQ(*CanonicalBanPrefix("203.0.113.77/16"), "203.0.0.0/16");
  EXPECT_EQ(*CanonicalBanPrefix("2001:db8:1:2:3::/64"), "2001:db8:1:2::/64");
  EXPECT_FALSE(CanonicalBanPrefix("203.0.113.0/25").ok());
  EXPECT_FALSE(CanonicalBanPrefix("203.0.113.0").ok());
  EXPECT_FALSE(CanonicalBanPrefix("example/24").ok());
}

TEST(EncodeBanTest, RoundTrips) {
  Ban ban{.id = "tel-abc",
          .kind = BanKind::kPhone,
          .target_display = "+84 9•• ••• •45",
          .reason = "quảng cáo",
          .created_by = "mod",
          .create_time = absl::FromUnixMillis(5),
          .expire_time = absl::FromUnixMillis(9)};
  std::optional<Ban> decoded = DecodeBan(EncodeBan(ban));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->id, ban.id);
  EXPECT_EQ(decoded->kind, BanKind::kPhone);
  EXPECT_EQ(decoded->reason, "quảng cáo");
  EXPECT_EQ(decoded->expire_time, ban.expire_time);
  EXPECT_FALSE(DecodeBan("garbage").has_value());
}

// A ban order with only the given fields set.
struct Order {
  std::string ip_address, ip_prefix, phone, comment_id, reason;
  absl::Duration duration;
};

BanOrder ToOrder(const Order& o) {
  BanOrder order;
  order.ip_address = o.ip_address;
  order.ip_prefix = o.ip_prefix;
  order.phone = o.phone;
  order.comment_id = o.comment_id;
  order.reason = o.reason;
  order.duration = o.duration;
  order.moderator = "mod";
  return order;
}

class BanDeskTest : public ::testing::Test {
 protected:
  absl::StatusOr<std::vector<Ban>> Create(const Order& order) {
    return *testing::Await<absl::StatusOr<std::vector<Ban>>>(
        [&](auto done) { desk_.Create(ToOrder(order), done); });
  }

  testing::FakeClock clock_;
  testing::InMemoryBanStore store_{clock_};
  testing::InMemoryCommentRepository comments_;
  crypto::ServiceKeys keys_ = *crypto::DeriveServiceKeys(std::string(32, 'k'), "k1");
  BanDesk desk_{store_, comments_, clock_, keys_, PagingLimits{}};
};

TEST_F(BanDeskTest, NeedsExactlyOneTargetAndAReason) {
  EXPECT_EQ(FieldViolationsOf(Create([&] {
                                Order o;
                                o.reason = "spam";
                                return o;
                              }())
                                  .status())[0]
                .reason,
            "ONE_TARGET_REQUIRED");
  EXPECT_EQ(FieldViolationsOf(Create([&] {
                                Order o;
                                o.ip_address = "1.2.3.4";
                                o.phone = "0912345678";
                                o.reason = "spam";
                                return o;
                              }())
                                  .status())[0]
                .reason,
            "ONE_TARGET_REQUIRED");
  EXPECT_EQ(FieldViolationsOf(Create([&] {
                                Order o;
                                o.ip_address = "1.2.3.4";
                                return o;
                              }())
                                  .status())[0]
                .field,
            "reason");
  EXPECT_EQ(FieldViolationsOf(Create([&] {
                                Order o;
                                o.ip_prefix = "1.2.3.0/20";
                                o.reason = "x";
                                return o;
                              }())
                                  .status())[0]
                .reason,
            "INVALID_FORMAT");
}

TEST_F(BanDeskTest, ShowsTargetsMaskedAndExpiresTimedBans) {
  absl::StatusOr<std::vector<Ban>> made = Create([&] {
    Order o;
    o.phone = "0912 345 645";
    o.reason = "rao vặt";
    o.duration = absl::Hours(1);
    return o;
  }());
  ASSERT_TRUE(made.ok()) << made.status();
  ASSERT_EQ(made->size(), 1u);
  EXPECT_EQ((*made)[0].target_display, "+84 9•• ••• •45");
  EXPECT_EQ((*made)[0].expire_time, clock_.Now() + absl::Hours(1));

  auto banned = [&] {
    return testing::Await<absl::StatusOr<std::optional<Ban>>>([&](auto done) {
             store_.FindAny(
                 IdsFor(privacy::Pseudonymiser(keys_.lookup_key), "198.51.100.1", "+84912345645"),
                 absl::Seconds(1), done);
           })
        ->value()
        .has_value();
  };
  EXPECT_TRUE(banned());
  clock_.Advance(absl::Hours(1) + absl::Seconds(1));
  EXPECT_FALSE(banned());
}

TEST_F(BanDeskTest, BansACommentsAuthorByAddressAndPhone) {
  comments::Comment comment;
  comment.id = "01JD0000000000000000000001";
  comment.article_id = "a";
  comment.client_ip_digest =
      crypto::HexEncode(crypto::HmacSha256(keys_.lookup_key, "ip:203.0.113.9"));
  comment.client_network = "203.0.113.0/24";
  testing::FakeRandom random;
  comment.phone_sealed = keys_.phone_cipher.Seal("+84912345645", random);
  testing::Await<absl::StatusOr<comments::EnqueueResult>>(
      [&](auto done) { comments_.Enqueue(comment, std::nullopt, done); });

  absl::StatusOr<std::vector<Ban>> made = Create([&] {
    Order o;
    o.comment_id = comment.id;
    o.reason = "spam";
    return o;
  }());
  ASSERT_TRUE(made.ok()) << made.status();
  ASSERT_EQ(made->size(), 2u);
  EXPECT_EQ((*made)[0].id, IpAddressBanId(privacy::Pseudonymiser(keys_.lookup_key), "203.0.113.9"));
  EXPECT_EQ((*made)[1].id, PhoneBanId(privacy::Pseudonymiser(keys_.lookup_key), "+84912345645"));
  EXPECT_EQ(Create([&] {
              Order o;
              o.comment_id = "01JD0000000000000000000009";
              o.reason = "x";
              return o;
            }())
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace moderation::bans
