#include <gmock/gmock.h>

#include "tests/e2e/e2e_fixture.h"
#include "tests/support/reader_address.h"

namespace moderation::e2e {
namespace {

using ::testing::ElementsAre;

uint32_t LittleEndian(const std::string& bytes, std::size_t offset, int width) {
  uint32_t value = 0;
  for (int i = width - 1; i >= 0; --i) {
    value = (value << 8) | static_cast<unsigned char>(bytes[offset + i]);
  }
  return value;
}

class CaptchaTest : public EndToEndTest {
 protected:
  grpc::Status Refresh(const std::string& old_id, v1::RefreshCaptchaResponse* response,
                       bool audio = false) {
    v1::RefreshCaptchaRequest request;
    request.set_captcha_id(old_id);
    request.set_client_ip("198.51.100.3");
    request.set_audio(audio);
    auto context = Context();
    return portal_->RefreshCaptcha(context.get(), request, response);
  }

  grpc::Status SubmitWith(const std::string& captcha_id, const std::string& answer) {
    // A fresh article each time keeps these tests clear of the rate limits.
    v1::SubmitCommentRequest request = ValidSubmission("c-" + std::to_string(++submissions_));
    request.set_captcha_id(captcha_id);
    request.set_captcha_answer(answer);
    v1::SubmitCommentResponse response;
    return Submit(request, &response);
  }

  int submissions_ = 0;
};

// The captcha limits count per reader: a portal must forward the reader's
// address, and its own (loopback) is no reader's.
TEST_F(CaptchaTest, TheReadersAddressIsRequiredAndNeverTheMachinesOwn) {
  const auto create = [&](const std::string& ip) {
    v1::CreateCaptchaRequest request;
    request.set_client_ip(ip);
    v1::CreateCaptchaResponse response;
    auto context = Context();
    return portal_->CreateCaptcha(context.get(), request, &response);
  };
  EXPECT_THAT(ViolationsOf(create("")), ElementsAre("client_ip:REQUIRED"));
  for (const char* local : {"127.0.0.1", "127.1.2.3", "::1", "0.0.0.0", "::", "::ffff:127.0.0.1"}) {
    EXPECT_THAT(ViolationsOf(create(local)), ElementsAre("client_ip:LOCAL_ADDRESS")) << local;
  }
  EXPECT_TRUE(create("203.0.113.9").ok());
  EXPECT_TRUE(create("10.1.2.3").ok()) << "a private network's reader is a reader";

  const v1::CreateCaptchaResponse old = NewCaptcha();
  v1::RefreshCaptchaRequest refresh;
  refresh.set_captcha_id(old.captcha_id());
  refresh.set_client_ip("::1");
  v1::RefreshCaptchaResponse fresh;
  auto context = Context();
  EXPECT_THAT(ViolationsOf(portal_->RefreshCaptcha(context.get(), refresh, &fresh)),
              ElementsAre("client_ip:LOCAL_ADDRESS"));

  v1::SubmitCommentRequest submission = ValidSubmission("c-local");
  submission.set_client_ip("127.0.0.1");
  v1::SubmitCommentResponse response;
  EXPECT_THAT(ViolationsOf(Submit(submission, &response)), ElementsAre("client_ip:LOCAL_ADDRESS"));
}

TEST_F(CaptchaTest, RefreshInvalidatesTheOldCode) {
  const v1::CreateCaptchaResponse old = NewCaptcha();
  v1::RefreshCaptchaResponse fresh;
  const grpc::Status status = Refresh(old.captcha_id(), &fresh);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_NE(fresh.captcha_id(), old.captcha_id());
  EXPECT_EQ(fresh.png().substr(1, 3), "PNG");
  EXPECT_THAT(ViolationsOf(SubmitWith(old.captcha_id(), old.dev_answer())),
              ElementsAre("captcha_id:CAPTCHA_ALREADY_USED"));
  EXPECT_TRUE(SubmitWith(fresh.captcha_id(), fresh.dev_answer()).ok());
  // An unknown id still gets a new code; a malformed one is named.
  EXPECT_TRUE(Refresh("0123456789abcdef0123456789abcdef.1", &fresh).ok());
  EXPECT_THAT(ViolationsOf(Refresh("has spaces", &fresh)),
              ElementsAre("captcha_id:INVALID_FORMAT"));
}

TEST_F(CaptchaTest, AudioIsAValidWavLongerThanASecondOfDigits) {
  v1::CreateCaptchaRequest request = testing::ReaderCaptchaRequest();
  request.set_audio(true);
  v1::CreateCaptchaResponse response;
  auto context = Context();
  const grpc::Status status = portal_->CreateCaptcha(context.get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.dev_answer().find_first_not_of("0123456789"), std::string::npos);
  const std::string& wav = response.wav();
  ASSERT_GT(wav.size(), 44u);
  EXPECT_EQ(wav.substr(0, 4), "RIFF");
  EXPECT_EQ(wav.substr(8, 4), "WAVE");
  EXPECT_EQ(wav.substr(12, 4), "fmt ");
  EXPECT_EQ(LittleEndian(wav, 20, 2), 1u);   // PCM
  EXPECT_EQ(LittleEndian(wav, 22, 2), 1u);   // mono
  EXPECT_EQ(LittleEndian(wav, 34, 2), 16u);  // bits per sample
  const uint32_t rate = LittleEndian(wav, 24, 4);
  ASSERT_GT(rate, 0u);
  const double seconds = static_cast<double>(wav.size() - 44) / (rate * 2.0);
  EXPECT_GT(seconds, 1.0);
  EXPECT_TRUE(SubmitWith(response.captcha_id(), response.dev_answer()).ok());
}

TEST_F(CaptchaTest, WrongExpiredAndUsedEachHaveTheirReason) {
  // The proof of work expires with the captcha: solving it within a 1 s
  // lifetime is not what this test is about (under a sanitizer it may not fit).
  RestartServerWith({{"MODERATION_CAPTCHA_TTL_SECONDS", "1"}, {"MODERATION_POW_ENABLED", "0"}});
  const v1::CreateCaptchaResponse wrong = NewCaptcha();
  EXPECT_THAT(ViolationsOf(SubmitWith(wrong.captcha_id(), "XXXXX")),
              ElementsAre("captcha_answer:CAPTCHA_WRONG"));
  EXPECT_THAT(ViolationsOf(SubmitWith(wrong.captcha_id(), wrong.dev_answer())),
              ElementsAre("captcha_id:CAPTCHA_ALREADY_USED"));
  const v1::CreateCaptchaResponse late = NewCaptcha();
  absl::SleepFor(absl::Milliseconds(2500));
  EXPECT_THAT(ViolationsOf(SubmitWith(late.captcha_id(), late.dev_answer())),
              ElementsAre("captcha_id:CAPTCHA_EXPIRED"));
}

TEST_F(CaptchaTest, TheIssuanceLimitTriggersAndResets) {
  // Ten a second, two back to back, for this test.
  RestartServerWith({{"MODERATION_RATELIMIT_CAPTCHA_IP_COUNT", "10"},
                     {"MODERATION_RATELIMIT_CAPTCHA_IP_PERIOD_SECONDS", "1"},
                     {"MODERATION_RATELIMIT_CAPTCHA_IP_BURST", "2"}});
  v1::CreateCaptchaRequest request;
  request.set_client_ip("203.0.113.150");
  auto create = [&] {
    v1::CreateCaptchaResponse response;
    auto context = Context();
    return portal_->CreateCaptcha(context.get(), request, &response);
  };
  EXPECT_TRUE(create().ok());
  EXPECT_TRUE(create().ok());
  const grpc::Status refused = create();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(DetailOf(refused).reason(), "RATE_LIMITED");
  // Refreshing counts against the same limit.
  v1::RefreshCaptchaResponse refreshed;
  EXPECT_EQ(Refresh("0123456789abcdef0123456789abcdef.1", &refreshed).error_code(),
            grpc::StatusCode::OK);  // another address
  EXPECT_TRUE(testing::WaitFor([&] { return create().ok(); }, absl::Seconds(2)));
}

}  // namespace
}  // namespace moderation::e2e
