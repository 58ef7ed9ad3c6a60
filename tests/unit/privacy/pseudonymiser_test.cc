#include "service/privacy/pseudonymiser.h"

#include <gtest/gtest.h>

namespace moderation::privacy {
namespace {

// The expected values are HMAC-SHA-256 under "pinned-key", computed apart:
//   printf '%s' 'ip:203.0.113.9' | openssl dgst -sha256 -hmac pinned-key
// Deployments hold these strings in keys and fields: they must never change.
class PseudonymiserTest : public ::testing::Test {
 protected:
  const Pseudonymiser pseudonymiser_{"pinned-key"};
};

TEST_F(PseudonymiserTest, EachDigestIsTheStoredOne) {
  const Pseudonymiser& p = pseudonymiser_;
  EXPECT_EQ(p.AddressDigest("203.0.113.9"),
            "5b8666ec9bd5f3316ad88b877b8120b410817d4df03323a74a04564fc119ede7");
  EXPECT_EQ(p.PhoneDigest("+84912345678"),
            "f8d7f6cc154680344eda0ec632ddb909250952b64b862d0a455676911b7fbe11");
  EXPECT_EQ(p.NetworkDigest("203.0.113.0/24"),
            "41df90c9fa87cf50dfbfa7deb12473634a68f6ef43d0fd1d4bc09a4785533769");
  EXPECT_EQ(p.BodyDigest("xin chao ban doc"),
            "1a5887ddaa03983eeef39b31330052a304e4ddf97f2219a38ebbe06288dd52cd");
  EXPECT_EQ(p.IdempotencyKeyDigest("retry-7f3a"),
            "92e88a0a3e5a62bd3eca852579f78060be5c7f723ac9d53183c08ddf6c76487f");
}

TEST_F(PseudonymiserTest, ContentFingerprintIsTheStoredOne) {
  // Of "content:6:bai-1212:Nguyen Van A12:+849123456785:Gop y9:Noi dung.".
  EXPECT_EQ(pseudonymiser_.ContentFingerprint("bai-12", "Nguyen Van A", "+84912345678", "Gop y",
                                              "Noi dung."),
            "a348bab635ecc23ab7522aa675c06bc273749e7794356617d549209621933e25");
}

TEST_F(PseudonymiserTest, ContentFingerprintSeesTextMovedBetweenFields) {
  EXPECT_NE(pseudonymiser_.ContentFingerprint("a", "bc", "", "t", "b"),
            pseudonymiser_.ContentFingerprint("ab", "c", "", "t", "b"));
}

TEST_F(PseudonymiserTest, ShortDigestIsTheFirstSixteenBytes) {
  EXPECT_EQ(pseudonymiser_.ShortDigest("ip-block", "203.0.113.0/24"),
            "68ba0fe4d56be5f71dcc071028ce6fc4");
  EXPECT_EQ(pseudonymiser_.ShortDigest("ban-prefix", "203.0.113.0/24"),
            "e8e5c832fe546505ddfa45ba18257453");
  EXPECT_EQ(pseudonymiser_.ShortDigest("ban-phone", "+84912345678"),
            "0ae9bdf1f745bde9caa5063238714003");
}

TEST_F(PseudonymiserTest, ShortOfAFullDigestIsTheShortDigestOfTheSamePurpose) {
  EXPECT_EQ(Pseudonymiser::ShortOf(pseudonymiser_.AddressDigest("203.0.113.9")),
            pseudonymiser_.ShortDigest("ip", "203.0.113.9"));
  EXPECT_EQ(Pseudonymiser::ShortOf(pseudonymiser_.PhoneDigest("+84912345678")),
            pseudonymiser_.ShortDigest("phone", "+84912345678"));
}

TEST_F(PseudonymiserTest, AnotherKeyMakesOtherDigests) {
  EXPECT_NE(Pseudonymiser("other-key").AddressDigest("203.0.113.9"),
            pseudonymiser_.AddressDigest("203.0.113.9"));
}

}  // namespace
}  // namespace moderation::privacy
