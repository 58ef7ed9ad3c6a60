#include "service/pow/altcha.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
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

// ALTCHA's second protocol (altcha/lib from the `altcha` 3.2.2 package).

// Made by altcha/lib's createChallenge({algorithm: 'PBKDF2/SHA-256', cost:
// 1000, counter: 77, deriveKey: pbkdf2.deriveKey, expiresAt: 2000000000,
// hmacSignatureSecret: kKey, hmacKeySignatureSecret: kKey, data: {cost:
// '2.5'}}) with crypto.getRandomValues giving bytes 0x10.. (nonce) and 0x20..
// (salt); derivedKey from pbkdf2.deriveKey for counter 77.
constexpr char kPbkdf2Vector[] =
    R"({"challenge":{"parameters":{"algorithm":"PBKDF2/SHA-256","cost":1000,"data":{"cost":"2.5"},"expiresAt":2000000000,"keyLength":32,"keyPrefix":"46dfb63e03d0df01df21783d3fcd9c57","keySignature":"db67a03a6415d80c2cf72a92454c31250a006a2861219051390dd53718d5a616","nonce":"101112131415161718191a1b1c1d1e1f","salt":"202122232425262728292a2b2c2d2e2f"},"signature":"d321c54ddcd2c2124d4eee4d64dcbdfaffc7dca8974cbbcfee9f86cef0b398b4"},"solution":{"counter":77,"derivedKey":"46dfb63e03d0df01df21783d3fcd9c57b86a2c644b5775e0f2b41cbbcbd10cd9","time":12.5}})";
// The same with algorithm 'SCRYPT', cost (N) 16, memoryCost (r) 8,
// parallelism 1, deriveKey: scrypt.deriveKey.
constexpr char kScryptVector[] =
    R"({"challenge":{"parameters":{"algorithm":"SCRYPT","cost":16,"data":{"cost":"2.5"},"expiresAt":2000000000,"keyLength":32,"keyPrefix":"27349f2e44df91d0102c4b4268b67c28","keySignature":"6f93421a54d1135c6e286906b74d44481fea7f4fa173540d2921bb444bc2b414","memoryCost":8,"nonce":"101112131415161718191a1b1c1d1e1f","parallelism":1,"salt":"202122232425262728292a2b2c2d2e2f"},"signature":"11df9ca13902420f7754a61fe46aba3666ae4ca51fa71457b108af79208cdb8d"},"solution":{"counter":77,"derivedKey":"27349f2e44df91d0102c4b4268b67c283d41a439fd17d4ad8702da7addf39b01","time":12.5}})";

std::string Bytes(absl::string_view hex) { return absl::HexStringToBytes(hex); }

class AltchaKdfTest : public ::testing::Test {
 protected:
  // Before the vectors' expiry, within the default max_lifetime (1 h).
  testing::FakeClock clock_{absl::FromUnixSeconds(2000000000 - 600)};
  testing::FakeRandom random_;

  Altcha Issuer(PowAlgorithm algorithm) {
    // Tiny costs: each brute-force try below is a derivation.
    return Altcha(kKey, clock_, random_,
                  {.ttl = absl::Minutes(5),
                   .algorithm = algorithm,
                   .pbkdf2_iterations = 10,
                   .scrypt_n = 16,
                   .scrypt_r = 8,
                   .scrypt_p = 1});
  }
};

TEST_F(AltchaKdfTest, DerivesTheKeysAltchaLibDerives) {
  const KdfParameters pbkdf2{.algorithm = PowAlgorithm::kPbkdf2, .cost = 1000};
  absl::StatusOr<std::string> key =
      DeriveAltchaKey(pbkdf2, Bytes("101112131415161718191a1b1c1d1e1f"),
                      Bytes("202122232425262728292a2b2c2d2e2f"), 77);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(absl::BytesToHexString(*key),
            "46dfb63e03d0df01df21783d3fcd9c57b86a2c644b5775e0f2b41cbbcbd10cd9");
  const KdfParameters scrypt{
      .algorithm = PowAlgorithm::kScrypt, .cost = 16, .memory_cost = 8, .parallelism = 1};
  key = DeriveAltchaKey(scrypt, Bytes("101112131415161718191a1b1c1d1e1f"),
                        Bytes("202122232425262728292a2b2c2d2e2f"), 77);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(absl::BytesToHexString(*key),
            "27349f2e44df91d0102c4b4268b67c283d41a439fd17d4ad8702da7addf39b01");
}

TEST_F(AltchaKdfTest, RefusesParametersTheKdfCannotTake) {
  const KdfParameters odd_n{.algorithm = PowAlgorithm::kScrypt, .cost = 1000};
  EXPECT_FALSE(DeriveAltchaKey(odd_n, "n", "s", 0).ok());
  const KdfParameters sha{.algorithm = PowAlgorithm::kSha256};
  EXPECT_FALSE(DeriveAltchaKey(sha, "n", "s", 0).ok());
}

TEST_F(AltchaKdfTest, ChallengesMadeByAltchaLibVerify) {
  const Altcha altcha = Issuer(PowAlgorithm::kSha256);
  for (const char* vector : {kPbkdf2Vector, kScryptVector}) {
    absl::StatusOr<AltchaSolution> solution = altcha.Verify(absl::Base64Escape(vector));
    ASSERT_TRUE(solution.ok()) << solution.status();
    EXPECT_EQ(solution->number, 77);
    EXPECT_EQ(solution->expire_time, absl::FromUnixSeconds(2000000000));
    EXPECT_EQ(solution->took, absl::Microseconds(12500));
    EXPECT_DOUBLE_EQ(solution->refusal_score, 2.5);
    EXPECT_THAT(solution->challenge, ::testing::StartsWith("v2:"));
  }
}

TEST_F(AltchaKdfTest, ParameterOrderInThePayloadDoesNotMatter) {
  // The widget sends the parameters as it received them; the signature is
  // over their canonical form.
  std::string reordered = absl::StrReplaceAll(
      kPbkdf2Vector,
      {{R"("algorithm":"PBKDF2/SHA-256","cost":1000,)", ""},
       {R"("salt":"202122232425262728292a2b2c2d2e2f"})",
        R"("salt":"202122232425262728292a2b2c2d2e2f","cost":1000,"algorithm":"PBKDF2/SHA-256"})"}});
  ASSERT_NE(reordered, kPbkdf2Vector);
  EXPECT_TRUE(Issuer(PowAlgorithm::kSha256).Verify(absl::Base64Escape(reordered)).ok());
}

TEST_F(AltchaKdfTest, OwnChallengesSolvedVerifyOnceEach) {
  for (PowAlgorithm algorithm : {PowAlgorithm::kPbkdf2, PowAlgorithm::kScrypt}) {
    Altcha altcha = Issuer(algorithm);
    const AltchaChallenge challenge = altcha.Create(40, 1.5);
    EXPECT_EQ(challenge.algorithm,
              algorithm == PowAlgorithm::kScrypt ? "SCRYPT" : "PBKDF2/SHA-256");
    EXPECT_GE(challenge.number, 0);
    EXPECT_LT(challenge.number, 40);
    EXPECT_EQ(challenge.challenge.size(), 32u);  // keyPrefix: half of 32 bytes
    // The widget takes {parameters, signature}; nothing tells the counter.
    const std::optional<AltchaChallenge> parsed = ParseAltchaChallenge(challenge.Json());
    ASSERT_TRUE(parsed.has_value());
    EXPECT_THAT(challenge.Json(), ::testing::StartsWith(R"({"parameters":{"algorithm":)"));
    EXPECT_THAT(challenge.Json(), ::testing::Not(::testing::HasSubstr("counter")));
    EXPECT_EQ(parsed->parameters_json, challenge.parameters_json);
    const std::optional<std::string> payload = SolveAltchaPayload(*parsed);
    ASSERT_TRUE(payload.has_value());
    absl::StatusOr<AltchaSolution> solution = altcha.Verify(*payload);
    ASSERT_TRUE(solution.ok()) << solution.status();
    EXPECT_EQ(solution->number, challenge.number);
    EXPECT_EQ(solution->challenge, "v2:" + challenge.signature);
    EXPECT_DOUBLE_EQ(solution->refusal_score, 1.5);
    EXPECT_EQ(solution->expire_time, challenge.expire_time);
    // The development payload is the same solution.
    EXPECT_TRUE(altcha.Verify(EncodeAltchaPayload(challenge, challenge.number)).ok());
  }
}

TEST_F(AltchaKdfTest, ClassicChallengesStillVerifyWhenIssuingKdfOnes) {
  Altcha sha = Issuer(PowAlgorithm::kSha256);
  const AltchaChallenge classic = sha.Create(500);
  EXPECT_EQ(classic.algorithm, "SHA-256");
  EXPECT_TRUE(classic.parameters_json.empty());
  const Altcha pbkdf2 = Issuer(PowAlgorithm::kPbkdf2);
  EXPECT_TRUE(pbkdf2.Verify(EncodeAltchaPayload(classic, classic.number)).ok());
}

class AltchaKdfRefusalTest : public AltchaKdfTest {
 protected:
  std::string Reason(absl::string_view json) {
    return FieldReasonOf(Issuer(PowAlgorithm::kPbkdf2).Verify(absl::Base64Escape(json)).status());
  }
  static std::string Edited(std::vector<std::pair<std::string, std::string>> edits) {
    const std::string out = absl::StrReplaceAll(kPbkdf2Vector, edits);
    EXPECT_NE(out, kPbkdf2Vector);
    return out;
  }
};

TEST_F(AltchaKdfRefusalTest, TamperedParametersBreakTheSignature) {
  EXPECT_EQ(Reason(Edited({{R"("cost":1000)", R"("cost":1)"}})), "ALTCHA_SIGNATURE_INVALID");
  EXPECT_EQ(Reason(Edited({{R"("cost":"2.5")", R"("cost":"0.0")"}})), "ALTCHA_SIGNATURE_INVALID");
  EXPECT_EQ(Reason(Edited({{R"("signature":"d3)", R"("signature":"e3)"}})),
            "ALTCHA_SIGNATURE_INVALID");
}

TEST_F(AltchaKdfRefusalTest, AWrongDerivedKeyIsAWrongSolution) {
  EXPECT_EQ(Reason(Edited({{"cbbcbd10cd9", "cbbcbd10cd8"}})), "ALTCHA_SOLUTION_WRONG");
  // A key with the right prefix but not the one derived.
  EXPECT_EQ(
      Reason(Edited({{"b86a2c644b5775e0f2b41cbbcbd10cd9", "00000000000000000000000000000000"}})),
      "ALTCHA_SOLUTION_WRONG");
}

TEST_F(AltchaKdfRefusalTest, ExpiredIsRefused) {
  clock_.Advance(absl::Minutes(11));
  EXPECT_EQ(Reason(kPbkdf2Vector), "ALTCHA_EXPIRED");
}

TEST_F(AltchaKdfRefusalTest, ExpiryTooFarAheadIsMalformed) {
  clock_.Advance(-absl::Hours(2));
  EXPECT_EQ(Reason(kPbkdf2Vector), "ALTCHA_MALFORMED");
}

TEST_F(AltchaKdfRefusalTest, OtherAlgorithmsAreUnsupported) {
  for (const char* algorithm : {"ARGON2ID", "SHA-256", "PBKDF2/SHA-512", "pbkdf2/sha-256"}) {
    EXPECT_EQ(Reason(Edited({{R"("algorithm":"PBKDF2/SHA-256")",
                              absl::StrCat(R"("algorithm":")", algorithm, R"(")")}})),
              "ALTCHA_ALGORITHM_UNSUPPORTED")
        << algorithm;
  }
}

TEST_F(AltchaKdfRefusalTest, MalformedShapesAreRefused) {
  // An unknown parameter: nothing we sign carries it.
  EXPECT_EQ(Reason(Edited({{R"("keyLength":32,)", R"("keyLength":32,"extra":1,)"}})),
            "ALTCHA_MALFORMED");
  // Without keySignature the check would be a derivation.
  EXPECT_EQ(
      Reason(Edited(
          {{R"("keySignature":"db67a03a6415d80c2cf72a92454c31250a006a2861219051390dd53718d5a616",)",
            ""}})),
      "ALTCHA_MALFORMED");
  // Numbers JSON.stringify would not print that way.
  EXPECT_EQ(Reason(Edited({{R"("cost":1000)", R"("cost":1000.5)"}})), "ALTCHA_MALFORMED");
  EXPECT_EQ(Reason(Edited({{R"("expiresAt":2000000000)", R"("expiresAt":"2000000000")"}})),
            "ALTCHA_MALFORMED");
  EXPECT_EQ(Reason(Edited({{R"("expiresAt":2000000000,)", ""}})), "ALTCHA_MALFORMED");
  EXPECT_EQ(Reason(Edited({{R"("counter":77)", R"("counter":-1)"}})), "ALTCHA_MALFORMED");
  EXPECT_EQ(Reason(Edited({{R"("counter":77)", R"("counter":4294967296)"}})), "ALTCHA_MALFORMED");
  EXPECT_EQ(Reason(Edited({{"cbbcbd10cd9\"", "cbbcbd10cd\""}})), "ALTCHA_MALFORMED");
  EXPECT_EQ(Reason(Edited({{"cbbcbd10cd9\"", "CBBCBD10CD9\""}})), "ALTCHA_MALFORMED");
  EXPECT_EQ(Reason(Edited({{R"({"cost":"2.5"})", R"({"cost":2.5})"}})), "ALTCHA_MALFORMED");
  EXPECT_EQ(Reason(Edited({{R"({"cost":"2.5"})", R"({"cost":{"a":1}})"}})), "ALTCHA_MALFORMED");
  EXPECT_EQ(Reason(R"({"challenge":{},"solution":{}})"), "ALTCHA_MALFORMED");
  EXPECT_EQ(Reason(R"({"challenge":1,"solution":2})"), "ALTCHA_MALFORMED");
}

}  // namespace
}  // namespace moderation::pow
