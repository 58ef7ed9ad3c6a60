#include <gmock/gmock.h>

#include "absl/strings/str_cat.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/support/reader_address.h"

namespace moderation::e2e {
namespace {

class RateLimitTest : public EndToEndTest {
 protected:
  // Submits through `stub` from `ip`; returns the status and the retry-after
  // trailer, if any.
  static std::pair<grpc::Status, std::string> SubmitFrom(v1::CommentService::Stub& stub,
                                                         v1::SubmitCommentRequest request,
                                                         const std::string& ip) {
    request.set_client_ip(ip);
    v1::SubmitCommentResponse response;
    auto context = Context();
    const grpc::Status status = stub.SubmitComment(context.get(), request, &response);
    std::string retry_after;
    const auto& trailers = context->GetServerTrailingMetadata();
    if (auto it = trailers.find("retry-after"); it != trailers.end()) {
      retry_after = std::string(it->second.data(), it->second.size());
    }
    return {status, retry_after};
  }
};

TEST_F(RateLimitTest, ABurstFromOneAddressIsRefusedWhileAnotherIsServed) {
  // Default: two comments back to back per address and article.
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(SubmitFrom(*portal_, ValidSubmission("a1"), "198.51.100.10").first.ok()) << i;
  }
  const auto [refused, retry_after] = SubmitFrom(*portal_, ValidSubmission("a1"), "198.51.100.10");
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  const v1::ErrorDetail detail = DetailOf(refused);
  EXPECT_EQ(detail.reason(), "RATE_LIMITED");
  EXPECT_GT(detail.retry_after().seconds(), 0);
  EXPECT_THAT(detail.message(), ::testing::HasSubstr("giây"));
  EXPECT_FALSE(retry_after.empty());
  EXPECT_GT(std::stoi(retry_after), 0);

  // Another reader (another address, another phone) is served.
  v1::SubmitCommentRequest other = ValidSubmission("a1");
  other.set_phone("0912 000 111");
  EXPECT_TRUE(SubmitFrom(*portal_, other, "192.0.2.44").first.ok());
}

TEST_F(RateLimitTest, TwoServerProcessesShareTheLimits) {
  const std::string second_address = absl::StrCat("127.0.0.1:", testing::PickFreePort());
  absl::StatusOr<testing::ChildProcess> second = testing::ChildProcess::Start(
      {MODERATION_SERVER_BINARY},
      {{"MODERATION_LISTEN", second_address},
       {"MODERATION_REDIS_URL", redis_->url()},
       {"MODERATION_DEV_REVEAL_CAPTCHA", "1"},
       {"MODERATION_METRICS_LISTEN", "127.0.0.1:0"},
       {"MODERATION_SECRET_KEY",
        "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"}},
      redis_->data_dir() + "/second-server.log");
  ASSERT_TRUE(second.ok()) << second.status();
  auto channel = grpc::CreateChannel(second_address, grpc::InsecureChannelCredentials());
  std::unique_ptr<v1::CommentService::Stub> other = v1::CommentService::NewStub(channel);
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        auto context = Context();
        context->set_wait_for_ready(true);
        v1::CreateCaptchaResponse response;
        return other->CreateCaptcha(context.get(), testing::ReaderCaptchaRequest(), &response).ok();
      },
      absl::Seconds(15)));

  EXPECT_TRUE(SubmitFrom(*portal_, ValidSubmission("a2"), "198.51.100.20").first.ok());
  EXPECT_TRUE(SubmitFrom(*other, ValidSubmission("a2"), "198.51.100.20").first.ok());
  EXPECT_EQ(SubmitFrom(*portal_, ValidSubmission("a2"), "198.51.100.20").first.error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(SubmitFrom(*other, ValidSubmission("a2"), "198.51.100.20").first.error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST_F(RateLimitTest, CaptchaCreationIsLimitedPerAddress) {
  v1::CreateCaptchaRequest request;
  request.set_client_ip("203.0.113.200");
  int refused = 0;
  for (int i = 0; i < 15; ++i) {
    v1::CreateCaptchaResponse response;
    auto context = Context();
    const grpc::Status status = portal_->CreateCaptcha(context.get(), request, &response);
    if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      ++refused;
      EXPECT_EQ(DetailOf(status).reason(), "RATE_LIMITED");
    } else {
      EXPECT_TRUE(status.ok()) << status.error_message();
    }
  }
  EXPECT_EQ(refused, 5);  // default burst: 10
  request.set_client_ip("203.0.114.1");
  v1::CreateCaptchaResponse response;
  auto context = Context();
  EXPECT_TRUE(portal_->CreateCaptcha(context.get(), request, &response).ok());
}

// The shipped limits: submit_ip_article allows two comments back to back, so
// if wrong answers counted there the right answer below would be refused.
TEST_F(RateLimitTest, TwoWrongAnswersThenTheRightOneIsAccepted) {
  for (int i = 0; i < 2; ++i) {
    v1::SubmitCommentRequest mistyped = ValidSubmission("ux-1");
    mistyped.set_captcha_answer("WRONG");
    const auto [status, retry_after] = SubmitFrom(*portal_, mistyped, "198.51.100.20");
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << i;
    EXPECT_EQ(DetailOf(status).field_violations(0).reason(), "CAPTCHA_WRONG") << i;
  }
  EXPECT_TRUE(SubmitFrom(*portal_, ValidSubmission("ux-1"), "198.51.100.20").first.ok());
  // The two mistakes spent none of the reader's submissions: a second
  // comment fits the burst of two as well.
  EXPECT_TRUE(SubmitFrom(*portal_, ValidSubmission("ux-1"), "198.51.100.20").first.ok());
}

TEST_F(RateLimitTest, AGuessingBotIsStoppedEvenWhenItGuessesRight) {
  // wrong_answer_ip: five wrong answers back to back, then one a minute.
  for (int i = 0; i < 5; ++i) {
    v1::SubmitCommentRequest guess = ValidSubmission(absl::StrCat("bot-", i));
    guess.set_captcha_answer("WRONG");
    EXPECT_EQ(SubmitFrom(*portal_, guess, "198.51.100.30").first.error_code(),
              grpc::StatusCode::INVALID_ARGUMENT)
        << i;
  }
  v1::SubmitCommentRequest sixth = ValidSubmission("bot-5");
  sixth.set_captcha_answer("WRONG");
  const auto [refused, retry_after] = SubmitFrom(*portal_, sixth, "198.51.100.30");
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(DetailOf(refused).reason(), "RATE_LIMITED");
  EXPECT_THAT(DetailOf(refused).message(), ::testing::HasSubstr("sai mã xác nhận"));
  EXPECT_FALSE(retry_after.empty());
  const auto [right_but_refused, ignored] =
      SubmitFrom(*portal_, ValidSubmission("bot-6"), "198.51.100.30");
  EXPECT_EQ(right_but_refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  // Another reader is not affected.
  v1::SubmitCommentRequest other = ValidSubmission("bot-6");
  other.set_phone("0912 000 222");
  EXPECT_TRUE(SubmitFrom(*portal_, other, "192.0.2.45").first.ok());
}

}  // namespace
}  // namespace moderation::e2e
