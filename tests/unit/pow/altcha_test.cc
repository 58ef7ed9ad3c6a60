#include "service/pow/altcha.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "service/common/errors.h"
#include "tests/support/fake_clock.h"
#include "tests/support/fake_random.h"

namespace moderation::pow {
namespace {

constexpr char kKey[] = "unit-test-key-unit-test-key-0123";

// The reason of the one field violation `status` carries.
std::string FieldReasonOf(const absl::Status& status) {
  const std::vector<FieldViolation> violations = FieldViolationsOf(status);
  if (violations.size() != 1 || violations[0].field != "altcha_payload") {
    return "unexpected: " + status.ToString();
  }
  return violations[0].reason;
}

class AltchaTest : public ::testing::Test {
 protected:
  testing::FakeClock clock_;
  testing::FakeRandom random_;
  Altcha altcha_{kKey, clock_, random_, {.ttl = absl::Minutes(5), .max_lifetime = absl::Hours(1)}};
};

TEST_F(AltchaTest, AChallengeMadeByAltchaLibVerifies) {
  // From altcha-lib 2.8.0 (v1 API): createChallenge({hmacKey: kKey, number:
  // 4321, maxnumber: 10000, salt: '0a1b2c3d4e5f60718293a4b5?expires=2000000000&'}).
  const std::string json =
      R"({"algorithm":"SHA-256","challenge":"3fd7ccc76819cb905b5cfdf01c36addc008dcbf8cdee7556b90f70e2c42a8767","number":4321,"salt":"0a1b2c3d4e5f60718293a4b5?expires=2000000000&","signature":"8b8d37c80e849d03e5516e959cca183e3c7a2a448015c268ae8f9b6bab3d0038","took":12})";
  testing::FakeClock before(absl::FromUnixSeconds(2000000000 - 600));
  Altcha altcha(kKey, before, random_, {});
  absl::StatusOr<AltchaSolution> solution = altcha.Verify(absl::Base64Escape(json));
  ASSERT_TRUE(solution.ok()) << solution.status();
  EXPECT_EQ(solution->number, 4321);
  EXPECT_EQ(solution->expire_time, absl::FromUnixSeconds(2000000000));
  EXPECT_EQ(solution->took, absl::Milliseconds(12));
}

TEST_F(AltchaTest, OwnChallengeSolvedVerifies) {
  const AltchaChallenge challenge = altcha_.Create(2000);
  EXPECT_EQ(challenge.maxnumber, 2000);
  EXPECT_THAT(challenge.salt, ::testing::HasSubstr("?expires="));
  EXPECT_EQ(challenge.salt.back(), '&');
  const std::optional<int64_t> number = SolveAltcha(challenge);
  ASSERT_TRUE(number.has_value());
  EXPECT_EQ(*number, challenge.number);
  absl::StatusOr<AltchaSolution> solution = altcha_.Verify(EncodeAltchaPayload(challenge, *number));
  ASSERT_TRUE(solution.ok()) << solution.status();
  EXPECT_EQ(solution->challenge, challenge.challenge);
}

TEST_F(AltchaTest, NumbersSpreadOverTheWholeRange) {
  int64_t high = 0;
  for (int i = 0; i < 200; ++i) {
    const AltchaChallenge challenge = altcha_.Create(1000);
    ASSERT_GE(challenge.number, 1);
    ASSERT_LE(challenge.number, 1000);
    high = std::max(high, challenge.number);
  }
  EXPECT_GT(high, 900);
}

TEST_F(AltchaTest, ExpiredChallengeIsRefused) {
  const AltchaChallenge challenge = altcha_.Create(10);
  clock_.Advance(absl::Minutes(6));
  EXPECT_EQ(
      FieldReasonOf(altcha_.Verify(EncodeAltchaPayload(challenge, challenge.number)).status()),
      "ALTCHA_EXPIRED");
}

TEST_F(AltchaTest, WrongNumberKeyOrAlgorithmIsRefused) {
  const AltchaChallenge challenge = altcha_.Create(10);
  EXPECT_EQ(
      FieldReasonOf(altcha_.Verify(EncodeAltchaPayload(challenge, challenge.number + 1)).status()),
      "ALTCHA_SOLUTION_WRONG");
  Altcha other("another-key-another-key-another-key", clock_, random_, {});
  EXPECT_EQ(FieldReasonOf(other.Verify(EncodeAltchaPayload(challenge, challenge.number)).status()),
            "ALTCHA_SIGNATURE_INVALID");
  AltchaChallenge sha512 = challenge;
  sha512.algorithm = "SHA-512";
  EXPECT_EQ(FieldReasonOf(altcha_.Verify(EncodeAltchaPayload(sha512, challenge.number)).status()),
            "ALTCHA_ALGORITHM_UNSUPPORTED");
}

TEST_F(AltchaTest, MalformedPayloadsAreRefused) {
  EXPECT_EQ(FieldReasonOf(altcha_.Verify("").status()), "REQUIRED");
  for (
      const std::string& payload :
      {std::string("%%%"), absl::Base64Escape("{"), absl::Base64Escape("\"text\""),
       absl::Base64Escape(R"({"algorithm":"SHA-256"})"),
       absl::Base64Escape(
           R"({"algorithm":"SHA-256","challenge":"00","number":1,"salt":"a?expires=1&","signature":"00"})"),
       std::string(5000, 'A')}) {
    EXPECT_EQ(FieldReasonOf(altcha_.Verify(payload).status()), "ALTCHA_MALFORMED") << payload;
  }
  // No expiry in the salt: nothing would bound its one-use record.
  AltchaChallenge challenge = altcha_.Create(10);
  challenge.salt = "0a1b2c&";
  EXPECT_EQ(FieldReasonOf(altcha_.Verify(EncodeAltchaPayload(challenge, 1)).status()),
            "ALTCHA_MALFORMED");
}

TEST_F(AltchaTest, JsonIsTheWidgetsChallengeObject) {
  const AltchaChallenge challenge = altcha_.Create(7);
  EXPECT_EQ(challenge.Json(), "{\"algorithm\":\"SHA-256\",\"challenge\":\"" + challenge.challenge +
                                  "\",\"maxnumber\":7,\"salt\":\"" + challenge.salt +
                                  "\",\"signature\":\"" + challenge.signature + "\"}");
}

}  // namespace
}  // namespace moderation::pow
