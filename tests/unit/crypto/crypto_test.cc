#include "service/crypto/crypto.h"

#include <gtest/gtest.h>

#include "service/crypto/secrets.h"
#include "tests/support/fake_random.h"

namespace moderation::crypto {
namespace {

TEST(HmacSha256Test, MatchesRfc4231TestCase2) {
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Sha1HexTest, MatchesKnownDigest) {
  EXPECT_EQ(Sha1Hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST(ConstantTimeEqualsTest, ComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
}

TEST(HexDecodeTest, RefusesNonHex) {
  EXPECT_EQ(*HexDecode("00ff"), std::string("\x00\xff", 2));
  EXPECT_FALSE(HexDecode("0g").ok());
  EXPECT_FALSE(HexDecode("abc").ok());
}

class FieldCipherTest : public ::testing::Test {
 protected:
  testing::FakeRandom random_;
  FieldCipher cipher_ = *FieldCipher::Create("k1", std::string(32, 'x'));
};

TEST_F(FieldCipherTest, RoundTripsAndHidesThePlaintext) {
  const std::string sealed = cipher_.Seal("+84912345678", random_);
  EXPECT_EQ(sealed.rfind("v1.k1.", 0), 0u);
  EXPECT_EQ(sealed.find("912345678"), std::string::npos);
  EXPECT_EQ(*cipher_.Open(sealed), "+84912345678");
}

TEST_F(FieldCipherTest, SealsTheSameValueDifferentlyEachTime) {
  EXPECT_NE(cipher_.Seal("+84912345678", random_), cipher_.Seal("+84912345678", random_));
}

TEST_F(FieldCipherTest, DetectsTampering) {
  std::string sealed = cipher_.Seal("+84912345678", random_);
  sealed[sealed.size() - 3] = sealed[sealed.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_EQ(cipher_.Open(sealed).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(FieldCipherTest, NamesAnUnknownKeyId) {
  FieldCipher other = *FieldCipher::Create("k2", std::string(32, 'x'));
  EXPECT_EQ(other.Open(cipher_.Seal("x", random_)).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(cipher_.Open("garbage").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(FieldCipherTest, OpensValuesOfItsDecryptionKeysButSealsUnderTheCurrentOne) {
  FieldCipher k2 = *FieldCipher::Create("k2", std::string(32, 'y'));
  ASSERT_TRUE(k2.AddDecryptionKey("k1", std::string(32, 'x')).ok());
  EXPECT_EQ(*k2.Open(cipher_.Seal("+84912345678", random_)), "+84912345678");
  const std::string sealed = k2.Seal("+84912345678", random_);
  EXPECT_EQ(*FieldCipher::KeyIdOf(sealed), "k2");
  EXPECT_EQ(cipher_.Open(sealed).status().code(), absl::StatusCode::kNotFound);
  // A value relabelled to the other key id fails authentication.
  std::string relabelled = sealed;
  relabelled.replace(0, 6, "v1.k1.");
  EXPECT_EQ(k2.Open(relabelled).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(FieldCipherTest, RefusesABadOrRepeatedDecryptionKey) {
  EXPECT_EQ(cipher_.AddDecryptionKey("k1", std::string(32, 'z')).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(cipher_.AddDecryptionKey("k0", "short").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldCipher::KeyIdOf("garbage").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(DeriveServiceKeysTest, OlderKeyIdsStillOpenWhatTheySealed) {
  testing::FakeRandom random;
  const std::string secret(32, 's');
  const ServiceKeys old_keys = *DeriveServiceKeys(secret, "k1");
  const std::string sealed = old_keys.phone_cipher.Seal("+84912345678", random);
  absl::StatusOr<ServiceKeys> rotating = DeriveServiceKeys(secret, "k2", {"k1", "k2"});
  ASSERT_TRUE(rotating.ok()) << rotating.status();
  EXPECT_EQ(*rotating->phone_cipher.Open(sealed), "+84912345678");
  // The lookup hashes do not change with the phone key.
  EXPECT_EQ(rotating->lookup_key, old_keys.lookup_key);
  EXPECT_EQ(DeriveServiceKeys(secret, "k2")->phone_cipher.Open(sealed).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_FALSE(DeriveServiceKeys(secret, "k2", {"K1"}).ok());
}

TEST(FieldCipherCreateTest, RefusesBadKeysAndIds) {
  EXPECT_FALSE(FieldCipher::Create("k1", "short").ok());
  EXPECT_FALSE(FieldCipher::Create("K.1", std::string(32, 'x')).ok());
}

TEST(DeriveServiceKeysTest, GivesEachPurposeItsOwnKey) {
  absl::StatusOr<ServiceKeys> keys = DeriveServiceKeys(std::string(32, 's'), "k1");
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->captcha_key.size(), 32u);
  EXPECT_NE(keys->captcha_key, keys->lookup_key);
  EXPECT_EQ(keys->audit_key.size(), 32u);
  EXPECT_NE(keys->audit_key, keys->lookup_key);
  EXPECT_NE(keys->audit_key, keys->captcha_key);
  EXPECT_FALSE(DeriveServiceKeys("too short", "k1").ok());
}

}  // namespace
}  // namespace moderation::crypto
