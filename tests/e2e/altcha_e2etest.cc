// The proof of work against the real server and ALTCHA's libraries (Node, from
// npm): altcha-lib for the classic SHA-256 protocol, and the widget's own
// altcha/lib (`altcha` 3.2.2) for the second protocol's PBKDF2 and scrypt. The
// server's challenges are solved by their solvers, their challenges made with
// the same key verify in the server, and bad payloads are refused with their
// documented reasons. Needs tests/altcha/install.sh.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "tests/e2e/e2e_fixture.h"

namespace moderation::e2e {
namespace {

using ::testing::ElementsAre;

constexpr char kAltchaKey[] = "shared-altcha-key-for-the-interop-test-0123456789";

class AltchaTest : public EndToEndTest {
 protected:
  void SetUp() override {
    const std::filesystem::path lib =
        std::filesystem::path(MODERATION_ALTCHA_DIR) / "node_modules" / "altcha-lib";
    ASSERT_TRUE(std::filesystem::exists(lib))
        << lib << " is missing: run tests/altcha/install.sh (needs node and npm)";
    const std::filesystem::path widget =
        std::filesystem::path(MODERATION_ALTCHA_DIR) / "node_modules" / "altcha";
    ASSERT_TRUE(std::filesystem::exists(widget))
        << widget << " is missing: run tests/altcha/install.sh (needs node and npm)";
    EndToEndTest::SetUp();
  }

  // Runs one of the Node scripts in tests/altcha; its stdout, trimmed.
  static std::string Node(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"node"};
    for (const std::string& arg : args) {
      argv.push_back(arg);
    }
    argv[1] = absl::StrCat(MODERATION_ALTCHA_DIR, "/", argv[1]);
    absl::StatusOr<testing::CommandResult> ran = testing::RunCommand(argv, {});
    EXPECT_TRUE(ran.ok()) << ran.status();
    if (!ran.ok()) {
      return "";
    }
    EXPECT_EQ(ran->exit_code, 0) << absl::StrJoin(argv, " ");
    return std::string(absl::StripAsciiWhitespace(ran->output));
  }

  grpc::Status SubmitWithPayload(const std::string& payload) {
    v1::SubmitCommentRequest request = ValidSubmission("altcha-" + std::to_string(++count_));
    request.set_altcha_payload(payload);
    v1::SubmitCommentResponse response;
    return Submit(request, &response);
  }

  // The payload's JSON, changed by `edit`, encoded again.
  static std::string Edited(const std::string& payload,
                            const std::vector<std::pair<std::string, std::string>>& edit) {
    std::string json;
    EXPECT_TRUE(absl::Base64Unescape(payload, &json));
    return absl::Base64Escape(absl::StrReplaceAll(json, edit));
  }

  int count_ = 0;
};

TEST_F(AltchaTest, ServerChallengeSolvedByAltchaLibIsAcceptedOnce) {
  const v1::CreateCaptchaResponse captcha = NewCaptcha();
  ASSERT_TRUE(captcha.has_altcha());
  EXPECT_EQ(captcha.altcha().algorithm(), "SHA-256");
  EXPECT_GT(captcha.altcha().maxnumber(), 0);
  const std::string payload = Node({"solve.mjs", captcha.altcha().json()});
  ASSERT_FALSE(payload.empty());

  v1::SubmitCommentRequest request = ValidSubmission("altcha-solved");
  request.set_captcha_id(captcha.captcha_id());
  request.set_captcha_answer(captcha.dev_answer());
  request.set_altcha_payload(payload);
  v1::SubmitCommentResponse response;
  const grpc::Status status = Submit(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.status(), v1::SUBMISSION_STATUS_PENDING_MODERATION);

  // The same solution with a fresh captcha: one use only.
  EXPECT_THAT(ViolationsOf(SubmitWithPayload(payload)),
              ElementsAre("altcha_payload:ALTCHA_ALREADY_USED"));
}

TEST_F(AltchaTest, AltchaLibChallengeWithTheSameKeyVerifies) {
  RestartServerWith({{"MODERATION_ALTCHA_HMAC_KEY", kAltchaKey}});
  const std::string payload = Node({"make.mjs", kAltchaKey, "20000", "600"});
  const grpc::Status status = SubmitWithPayload(payload);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(ViolationsOf(SubmitWithPayload(payload)),
              ElementsAre("altcha_payload:ALTCHA_ALREADY_USED"));
}

TEST_F(AltchaTest, ForeignExpiredAndFarExpiringChallengesAreRefused) {
  RestartServerWith({{"MODERATION_ALTCHA_HMAC_KEY", kAltchaKey}});
  EXPECT_THAT(ViolationsOf(SubmitWithPayload(
                  Node({"make.mjs", "another-key-another-key-another-key!", "1000", "600"}))),
              ElementsAre("altcha_payload:ALTCHA_SIGNATURE_INVALID"));
  EXPECT_THAT(ViolationsOf(SubmitWithPayload(Node({"make.mjs", kAltchaKey, "1000", "-60"}))),
              ElementsAre("altcha_payload:ALTCHA_EXPIRED"));
  // Further ahead than pow.max_lifetime_seconds (an hour): no one-use record could last.
  EXPECT_THAT(ViolationsOf(SubmitWithPayload(Node({"make.mjs", kAltchaKey, "1000", "86400"}))),
              ElementsAre("altcha_payload:ALTCHA_MALFORMED"));
}

TEST_F(AltchaTest, TamperedAndMalformedPayloadsAreRefused) {
  const v1::CreateCaptchaResponse captcha = NewCaptcha();
  const std::string payload = captcha.dev_altcha_payload();
  ASSERT_FALSE(payload.empty());
  const std::string signature = captcha.altcha().signature();
  std::string flipped = signature;
  flipped[0] = flipped[0] == 'a' ? 'b' : 'a';
  EXPECT_THAT(ViolationsOf(SubmitWithPayload(Edited(payload, {{signature, flipped}}))),
              ElementsAre("altcha_payload:ALTCHA_SIGNATURE_INVALID"));
  EXPECT_THAT(ViolationsOf(SubmitWithPayload(Edited(payload, {{"\"number\":", "\"number\":1"}}))),
              ElementsAre("altcha_payload:ALTCHA_SOLUTION_WRONG"));
  // Another salt no longer hashes to the challenge.
  const std::string salt = captcha.altcha().salt();
  std::string other_salt = salt;
  other_salt[0] = other_salt[0] == 'a' ? 'b' : 'a';
  EXPECT_THAT(ViolationsOf(SubmitWithPayload(Edited(payload, {{salt, other_salt}}))),
              ElementsAre("altcha_payload:ALTCHA_SOLUTION_WRONG"));
  EXPECT_THAT(ViolationsOf(SubmitWithPayload(Edited(payload, {{"SHA-256", "SHA-512"}}))),
              ElementsAre("altcha_payload:ALTCHA_ALGORITHM_UNSUPPORTED"));
  EXPECT_THAT(ViolationsOf(SubmitWithPayload("not base64 at all!")),
              ElementsAre("altcha_payload:ALTCHA_MALFORMED"));
  EXPECT_THAT(ViolationsOf(SubmitWithPayload(absl::Base64Escape("[1,2,3]"))),
              ElementsAre("altcha_payload:ALTCHA_MALFORMED"));
  EXPECT_THAT(ViolationsOf(SubmitWithPayload("")), ElementsAre("altcha_payload:REQUIRED"));
  // None of these used the challenge up.
  EXPECT_TRUE(SubmitWithPayload(payload).ok());
}

TEST_F(AltchaTest, RefusalsFromABlockRaiseItsCostAndNoOtherBlocks) {
  const auto maxnumber_for = [this](const std::string& client_ip) -> int64_t {
    v1::CreateCaptchaRequest request;
    request.set_client_ip(client_ip);
    v1::CreateCaptchaResponse response;
    auto context = Context();
    const grpc::Status status = portal_->CreateCaptcha(context.get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.altcha().maxnumber();
  };
  EXPECT_EQ(maxnumber_for("198.51.100.200"), 20000);
  // Ten wrong answers from ten addresses of one /24, without a phone (one
  // number would meet its own rate limit first).
  for (int i = 0; i < 10; ++i) {
    v1::SubmitCommentRequest request = ValidSubmission("cost-" + std::to_string(i));
    request.set_client_ip("198.51.100." + std::to_string(10 + i));
    request.clear_phone();
    request.set_captcha_answer("WRONG");
    v1::SubmitCommentResponse response;
    const grpc::Status status = Submit(request, &response);
    EXPECT_THAT(ViolationsOf(status), ElementsAre("captcha_answer:CAPTCHA_WRONG"));
  }
  // A new address of that block pays about 1.6^10 times the base (the scores
  // decay by a half every 15 minutes, a trifle over this test).
  const int64_t raised = maxnumber_for("198.51.100.201");
  EXPECT_GE(raised, 2100000);
  EXPECT_LE(raised, 2200000);
  EXPECT_EQ(maxnumber_for("203.0.113.9"), 20000);
  // The price rides in the challenge, so the moderators see it with the comment.
  const v1::CreateCaptchaResponse captcha = NewCaptcha();
  v1::CreateCaptchaRequest raised_request;
  raised_request.set_client_ip("198.51.100.202");
  v1::CreateCaptchaResponse raised_captcha;
  auto context = Context();
  ASSERT_TRUE(portal_->CreateCaptcha(context.get(), raised_request, &raised_captcha).ok());
  EXPECT_THAT(raised_captcha.altcha().salt(), ::testing::HasSubstr("&cost="));
  EXPECT_THAT(captcha.altcha().salt(), ::testing::Not(::testing::HasSubstr("cost=")));
}

TEST_F(AltchaTest, TheProofOfWorkCanBeTurnedOff) {
  RestartServerWith({{"MODERATION_POW_ENABLED", "false"}});
  const v1::CreateCaptchaResponse captcha = NewCaptcha();
  EXPECT_FALSE(captcha.has_altcha());
  EXPECT_TRUE(SubmitWithPayload("").ok());
}

// The second protocol. Small KDF costs keep each test within seconds: each of
// a solver's tries is a derivation.
const std::map<std::string, std::string> kPbkdf2Settings = {
    {"MODERATION_ALTCHA_HMAC_KEY", kAltchaKey},
    {"MODERATION_POW_ALGORITHM", "PBKDF2/SHA-256"},
    {"MODERATION_POW_PBKDF2_ITERATIONS", "100"},
    {"MODERATION_POW_PBKDF2_COUNTER_RANGE", "200"}};
const std::map<std::string, std::string> kScryptSettings = {
    {"MODERATION_ALTCHA_HMAC_KEY", kAltchaKey}, {"MODERATION_POW_ALGORITHM", "SCRYPT"},
    {"MODERATION_POW_SCRYPT_N", "64"},          {"MODERATION_POW_SCRYPT_R", "8"},
    {"MODERATION_POW_SCRYPT_P", "1"},           {"MODERATION_POW_SCRYPT_COUNTER_RANGE", "50"}};

class AltchaKdfTest : public AltchaTest, public ::testing::WithParamInterface<std::string> {
 protected:
  bool scrypt() const { return GetParam() == "SCRYPT"; }
  const std::map<std::string, std::string>& Settings() const {
    return scrypt() ? kScryptSettings : kPbkdf2Settings;
  }
  std::string Cost() const { return scrypt() ? "64" : "100"; }

  // `payload` with the derived key's last hex digit changed (past the
  // keyPrefix, so only the keySignature can tell).
  static std::string WithOtherDerivedKey(const std::string& payload) {
    std::string json;
    EXPECT_TRUE(absl::Base64Unescape(payload, &json));
    const std::string field = "\"derivedKey\":\"";
    const std::size_t at = json.find(field);
    EXPECT_NE(at, std::string::npos);
    if (at == std::string::npos) {
      return payload;
    }
    char& last = json[at + field.size() + 63];
    last = last == '0' ? '1' : '0';
    return absl::Base64Escape(json);
  }
};

TEST_P(AltchaKdfTest, ServerChallengeSolvedByTheWidgetsLibraryIsAcceptedOnce) {
  RestartServerWith(Settings());
  const v1::CreateCaptchaResponse captcha = NewCaptcha();
  ASSERT_TRUE(captcha.has_altcha());
  EXPECT_EQ(captcha.altcha().algorithm(), GetParam());
  // The widget takes {parameters, signature}: the counter is in neither.
  EXPECT_THAT(captcha.altcha().json(), ::testing::StartsWith(R"({"parameters":{)"));
  EXPECT_THAT(captcha.altcha().json(), ::testing::HasSubstr(R"("keySignature":")"));
  const std::string payload = Node({"solve_kdf.mjs", captcha.altcha().json()});
  ASSERT_FALSE(payload.empty());

  v1::SubmitCommentRequest request = ValidSubmission("altcha-kdf-solved");
  request.set_captcha_id(captcha.captcha_id());
  request.set_captcha_answer(captcha.dev_answer());
  request.set_altcha_payload(payload);
  v1::SubmitCommentResponse response;
  const grpc::Status status = Submit(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.status(), v1::SUBMISSION_STATUS_PENDING_MODERATION);
  EXPECT_THAT(ViolationsOf(SubmitWithPayload(payload)),
              ElementsAre("altcha_payload:ALTCHA_ALREADY_USED"));
  // The development payload solves the same way.
  EXPECT_TRUE(SubmitWithPayload(NewCaptcha().dev_altcha_payload()).ok());
}

TEST_P(AltchaKdfTest, TheWidgetsLibraryChallengeWithTheSameKeyVerifiesOnce) {
  RestartServerWith(Settings());
  const std::string payload = Node({"make_kdf.mjs", kAltchaKey, GetParam(), Cost(), "7", "600"});
  const grpc::Status status = SubmitWithPayload(payload);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(ViolationsOf(SubmitWithPayload(payload)),
              ElementsAre("altcha_payload:ALTCHA_ALREADY_USED"));
}

TEST_P(AltchaKdfTest, BadPayloadsAreRefusedWithTheirReasons) {
  RestartServerWith(Settings());
  EXPECT_THAT(
      ViolationsOf(SubmitWithPayload(Node({"make_kdf.mjs", "another-key-another-key-another-key!",
                                           GetParam(), Cost(), "3", "600"}))),
      ElementsAre("altcha_payload:ALTCHA_SIGNATURE_INVALID"));
  EXPECT_THAT(ViolationsOf(SubmitWithPayload(
                  Node({"make_kdf.mjs", kAltchaKey, GetParam(), Cost(), "3", "-60"}))),
              ElementsAre("altcha_payload:ALTCHA_EXPIRED"));
  const v1::CreateCaptchaResponse captcha = NewCaptcha();
  const std::string payload = Node({"solve_kdf.mjs", captcha.altcha().json()});
  ASSERT_FALSE(payload.empty());
  const std::string cost = absl::StrCat("\"cost\":", Cost());
  EXPECT_THAT(ViolationsOf(SubmitWithPayload(Edited(payload, {{cost, cost + "0"}}))),
              ElementsAre("altcha_payload:ALTCHA_SIGNATURE_INVALID"));
  EXPECT_THAT(ViolationsOf(SubmitWithPayload(WithOtherDerivedKey(payload))),
              ElementsAre("altcha_payload:ALTCHA_SOLUTION_WRONG"));
  EXPECT_THAT(ViolationsOf(SubmitWithPayload(
                  Edited(payload, {{absl::StrCat("\"", GetParam(), "\""), "\"ARGON2ID\""}}))),
              ElementsAre("altcha_payload:ALTCHA_ALGORITHM_UNSUPPORTED"));
  EXPECT_THAT(ViolationsOf(SubmitWithPayload(
                  Edited(payload, {{"\"keyLength\":", "\"unknown\":1,\"keyLength\":"}}))),
              ElementsAre("altcha_payload:ALTCHA_MALFORMED"));
  // None of these used the challenge up; then it is used once.
  EXPECT_TRUE(SubmitWithPayload(payload).ok());
  EXPECT_THAT(ViolationsOf(SubmitWithPayload(payload)),
              ElementsAre("altcha_payload:ALTCHA_ALREADY_USED"));
}

TEST_P(AltchaKdfTest, ClassicPayloadsStillVerify) {
  RestartServerWith(Settings());
  EXPECT_TRUE(SubmitWithPayload(Node({"make.mjs", kAltchaKey, "1000", "600"})).ok());
}

TEST_P(AltchaKdfTest, RefusalsFromABlockRaiseTheCounterRange) {
  RestartServerWith(Settings());
  const auto range_for = [this](const std::string& client_ip) -> int64_t {
    v1::CreateCaptchaRequest request;
    request.set_client_ip(client_ip);
    v1::CreateCaptchaResponse response;
    auto context = Context();
    const grpc::Status status = portal_->CreateCaptcha(context.get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.altcha().maxnumber();
  };
  const int64_t base = scrypt() ? 50 : 200;
  EXPECT_EQ(range_for("198.51.100.200"), base);
  for (int i = 0; i < 10; ++i) {
    v1::SubmitCommentRequest request = ValidSubmission("kdf-cost-" + std::to_string(i));
    request.set_client_ip("198.51.100." + std::to_string(10 + i));
    request.clear_phone();
    request.set_captcha_answer("WRONG");
    v1::SubmitCommentResponse response;
    EXPECT_THAT(ViolationsOf(Submit(request, &response)),
                ElementsAre("captcha_answer:CAPTCHA_WRONG"));
  }
  // About 1.6^10 ≈ 110 times the base (less a trifle of decay).
  const int64_t raised = range_for("198.51.100.201");
  EXPECT_GE(raised, base * 105);
  EXPECT_LE(raised, base * 110);
  EXPECT_EQ(range_for("203.0.113.9"), base);
}

INSTANTIATE_TEST_SUITE_P(Algorithms, AltchaKdfTest, ::testing::Values("PBKDF2/SHA-256", "SCRYPT"),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           return param.param == "SCRYPT" ? std::string("Scrypt")
                                                          : std::string("Pbkdf2");
                         });

}  // namespace
}  // namespace moderation::e2e
