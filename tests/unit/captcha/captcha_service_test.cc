#include "service/captcha/captcha_service.h"

#include <gtest/gtest.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "service/common/errors.h"
#include "tests/support/await.h"
#include "tests/support/fake_clock.h"
#include "tests/support/fake_random.h"
#include "tests/support/in_memory_captcha_store.h"

namespace moderation::captcha {
namespace {

// Draws nothing: these tests are about issuing and checking.
class TextRenderer final : public CaptchaRenderer {
 public:
  absl::StatusOr<std::string> RenderPng(absl::string_view code, RandomSource&) const override {
    return std::string(code);
  }
};

// Says the code as text: these tests are about which code is spoken.
class TextAudio final : public CaptchaAudio {
 public:
  absl::StatusOr<std::string> RenderWav(absl::string_view code, RandomSource&) const override {
    return absl::StrCat("WAV:", code);
  }
};

class CaptchaServiceTest : public ::testing::Test {
 protected:
  IssuedCaptcha Issue() {
    std::optional<absl::StatusOr<IssuedCaptcha>> issued =
        testing::Await<absl::StatusOr<IssuedCaptcha>>(
            [&](auto done) { service_.Create(false, done); });
    EXPECT_TRUE(issued.has_value() && issued->ok());
    return **std::move(issued);
  }

  IssuedCaptcha IssueAudio() {
    std::optional<absl::StatusOr<IssuedCaptcha>> issued =
        testing::Await<absl::StatusOr<IssuedCaptcha>>(
            [&](auto done) { service_.Create(true, done); });
    EXPECT_TRUE(issued.has_value() && issued->ok());
    return **std::move(issued);
  }

  absl::Status Verify(const std::string& id, const std::string& answer) {
    return *testing::Await<absl::Status>([&](auto done) { service_.Verify(id, answer, done); });
  }

  static std::string ReasonOfField(const absl::Status& status, const std::string& field) {
    for (const FieldViolation& violation : FieldViolationsOf(status)) {
      if (violation.field == field) {
        return violation.reason;
      }
    }
    return "";
  }

  testing::FakeClock clock_;
  testing::FakeRandom random_;
  testing::InMemoryCaptchaStore store_{clock_};
  TextRenderer renderer_;
  TextAudio audio_;
  CaptchaService service_{store_,
                          renderer_,
                          &audio_,
                          clock_,
                          random_,
                          "answer-key",
                          CaptchaOptions{.ttl = absl::Minutes(5), .length = 6}};
};

TEST_F(CaptchaServiceTest, IssuesCodesFromTheUnambiguousAlphabet) {
  const IssuedCaptcha issued = Issue();
  EXPECT_EQ(issued.answer.size(), 6u);
  for (char c : issued.answer) {
    EXPECT_NE(kCaptchaAlphabet.find(c), absl::string_view::npos) << c;
  }
  EXPECT_GE(issued.expire_time, clock_.Now() + absl::Minutes(5));
}

// Audio must not weaken the image: the image keeps its own alphabet and
// length, and a second code, of digits, is spoken.
TEST_F(CaptchaServiceTest, AudioCaptchasSpeakACodeOfTheirOwn) {
  const IssuedCaptcha captcha = IssueAudio();
  EXPECT_EQ(captcha.png, captcha.answer);
  ASSERT_EQ(captcha.answer.size(), 6u);
  for (char c : captcha.answer) {
    EXPECT_NE(kCaptchaAlphabet.find(c), absl::string_view::npos) << c;
  }
  ASSERT_EQ(captcha.audio_answer.size(), 6u);
  EXPECT_EQ(captcha.audio_answer.find_first_not_of(std::string(kAudioCaptchaAlphabet)),
            std::string::npos);
  EXPECT_EQ(captcha.wav, "WAV:" + captcha.audio_answer);
  EXPECT_TRUE(Verify(captcha.captcha_id, captcha.audio_answer).ok());
}

TEST_F(CaptchaServiceTest, AnAudioCaptchaAlsoTakesTheImagesCode) {
  const IssuedCaptcha captcha = IssueAudio();
  EXPECT_TRUE(Verify(captcha.captcha_id, captcha.answer).ok());
}

TEST_F(CaptchaServiceTest, OneAttemptUsesUpBothCodes) {
  const IssuedCaptcha captcha = IssueAudio();
  EXPECT_TRUE(Verify(captcha.captcha_id, captcha.answer).ok());
  EXPECT_EQ(ReasonOfField(Verify(captcha.captcha_id, captcha.audio_answer), "captcha_id"),
            "CAPTCHA_ALREADY_USED");
  const IssuedCaptcha wrong = IssueAudio();
  EXPECT_EQ(ReasonOfField(Verify(wrong.captcha_id, "XXXXXX"), "captcha_answer"), "CAPTCHA_WRONG");
  EXPECT_EQ(ReasonOfField(Verify(wrong.captcha_id, wrong.audio_answer), "captcha_id"),
            "CAPTCHA_ALREADY_USED");
}

TEST_F(CaptchaServiceTest, AnAudioCaptchaStoresTwoKeyedHashes) {
  const IssuedCaptcha captcha = IssueAudio();
  const std::string digest = store_.digests().at(captcha.captcha_id);
  EXPECT_EQ(digest.size(), 64u);
  EXPECT_EQ(digest.find(captcha.answer), std::string::npos);
  EXPECT_EQ(digest.find(captcha.audio_answer), std::string::npos);
}

TEST_F(CaptchaServiceTest, AnAudioCodeDoesNotOpenAnotherCaptcha) {
  const IssuedCaptcha first = IssueAudio();
  const IssuedCaptcha second = IssueAudio();
  if (first.audio_answer != second.audio_answer) {
    EXPECT_EQ(ReasonOfField(Verify(second.captcha_id, first.audio_answer), "captcha_answer"),
              "CAPTCHA_WRONG");
  }
}

TEST_F(CaptchaServiceTest, WithoutAVoiceAudioIsUnsupported) {
  CaptchaService silent(store_, renderer_, nullptr, clock_, random_, "k", CaptchaOptions{});
  std::optional<absl::StatusOr<IssuedCaptcha>> issued =
      testing::Await<absl::StatusOr<IssuedCaptcha>>([&](auto done) { silent.Create(true, done); });
  ASSERT_TRUE(issued.has_value());
  EXPECT_EQ(ReasonOfField(issued->status(), "audio"), "UNSUPPORTED");
}

TEST_F(CaptchaServiceTest, DiscardUsesACaptchaUp) {
  const IssuedCaptcha issued = Issue();
  EXPECT_TRUE(testing::Await<absl::Status>([&](auto done) {
                service_.Discard(issued.captcha_id, done);
              })->ok());
  EXPECT_EQ(ReasonOfField(Verify(issued.captcha_id, issued.answer), "captcha_id"),
            "CAPTCHA_ALREADY_USED");
}

TEST_F(CaptchaServiceTest, StoresAKeyedHashNeverTheAnswer) {
  const IssuedCaptcha issued = Issue();
  const std::string digest = store_.digests().at(issued.captcha_id);
  EXPECT_EQ(digest.size(), 32u);
  EXPECT_EQ(digest.find(issued.answer), std::string::npos);
}

TEST_F(CaptchaServiceTest, AcceptsTheRightAnswerInAnyCase) {
  const IssuedCaptcha issued = Issue();
  EXPECT_TRUE(Verify(issued.captcha_id, absl::AsciiStrToLower(issued.answer)).ok());
}

TEST_F(CaptchaServiceTest, AWrongAnswerUsesTheCaptchaUp) {
  const IssuedCaptcha issued = Issue();
  const absl::Status wrong = Verify(issued.captcha_id, "XXXXXX");
  EXPECT_EQ(wrong.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonOfField(wrong, "captcha_answer"), "CAPTCHA_WRONG");
  // Even the right answer is now refused.
  EXPECT_EQ(ReasonOfField(Verify(issued.captcha_id, issued.answer), "captcha_id"),
            "CAPTCHA_ALREADY_USED");
}

TEST_F(CaptchaServiceTest, ARightAnswerWorksOnlyOnce) {
  const IssuedCaptcha issued = Issue();
  EXPECT_TRUE(Verify(issued.captcha_id, issued.answer).ok());
  EXPECT_EQ(ReasonOfField(Verify(issued.captcha_id, issued.answer), "captcha_id"),
            "CAPTCHA_ALREADY_USED");
}

TEST_F(CaptchaServiceTest, TellsExpiredFromUnknown) {
  const IssuedCaptcha issued = Issue();
  clock_.Advance(absl::Minutes(6));
  EXPECT_EQ(ReasonOfField(Verify(issued.captcha_id, issued.answer), "captcha_id"),
            "CAPTCHA_EXPIRED");
  EXPECT_EQ(
      ReasonOfField(Verify("0123456789abcdef0123456789abcdef.9999999999", "ABCDE"), "captcha_id"),
      "CAPTCHA_UNKNOWN");
}

TEST_F(CaptchaServiceTest, MalformedIdsAreUnknownWithoutAStoreLookup) {
  EXPECT_EQ(ReasonOfField(Verify("nonsense", "ABCDE"), "captcha_id"), "CAPTCHA_UNKNOWN");
  EXPECT_EQ(store_.takes(), 0);
}

TEST_F(CaptchaServiceTest, AnAnswerIsBoundToItsOwnId) {
  const IssuedCaptcha first = Issue();
  const IssuedCaptcha second = Issue();
  if (first.answer != second.answer) {
    EXPECT_EQ(ReasonOfField(Verify(second.captcha_id, first.answer), "captcha_answer"),
              "CAPTCHA_WRONG");
  }
}

TEST_F(CaptchaServiceTest, StorageOutageIsUnavailable) {
  store_.set_available(false);
  std::optional<absl::StatusOr<IssuedCaptcha>> issued =
      testing::Await<absl::StatusOr<IssuedCaptcha>>(
          [&](auto done) { service_.Create(false, done); });
  ASSERT_TRUE(issued.has_value());
  EXPECT_EQ(issued->status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace moderation::captcha
