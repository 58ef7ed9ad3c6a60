#include <signal.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "absl/strings/match.h"
#include "tests/e2e/e2e_fixture.h"

namespace moderation::e2e {
namespace {

// The shipped rules file, a private copy of it for reload tests, and no rate
// limits (these tests submit more than a reader may).
class SpamTest : public EndToEndTest {
 protected:
  void SetUp() override {
    rules_path_ = ::testing::TempDir() + "/spam-rules-" + std::to_string(::getpid()) + ".toml";
    WriteRules(ShippedRules());
    extra_settings_ = {{"MODERATION_SPAM_RULES_FILE", rules_path_},
                       {"MODERATION_SPAM_LEARNING_POLL_MS", "50"},
                       {"MODERATION_RATELIMIT_ENABLED", "0"}};
    EndToEndTest::SetUp();
  }
  void TearDown() override {
    std::remove(rules_path_.c_str());
    EndToEndTest::TearDown();
  }

  static std::string ShippedRules() {
    std::ifstream file(std::string(MODERATION_SOURCE_DIR) + "/deploy/spam-rules.toml");
    return std::string(std::istreambuf_iterator<char>(file), {});
  }
  void WriteRules(const std::string& text) const {
    std::ofstream file(rules_path_, std::ios::trunc);
    file << text;
  }

  v1::SubmitCommentResponse SubmitBody(const std::string& body, const std::string& title = "Góp ý",
                                       const std::string& ip = "203.0.113.77") {
    v1::SubmitCommentRequest request = ValidSubmission();
    request.set_title(title);
    request.set_body(body);
    request.set_client_ip(ip);
    v1::SubmitCommentResponse response;
    const grpc::Status status = Submit(request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  v1::ModeratedComment Get(const std::string& id) {
    v1::GetCommentRequest request;
    request.set_comment_id(id);
    v1::GetCommentResponse response;
    auto context = Context();
    const grpc::Status status = moderation_->GetComment(context.get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.comment();
  }

  static const v1::SpamSignal* SignalOf(const v1::ModeratedComment& comment,
                                        const std::string& rule) {
    for (const v1::SpamSignal& signal : comment.spam_signals()) {
      if (signal.rule() == rule) {
        return &signal;
      }
    }
    return nullptr;
  }

  std::string rules_path_;
};

TEST_F(SpamTest, ABannedWordIsRefusedWithItsReason) {
  const v1::SubmitCommentResponse response = SubmitBody("Bọn này đúng là ÓC CHÓ, không hiểu gì cả");
  EXPECT_EQ(response.status(), v1::SUBMISSION_STATUS_REFUSED);
  EXPECT_EQ(response.refusal_reason(), "BANNED_WORD");
  EXPECT_TRUE(response.comment_id().empty());
  EXPECT_TRUE(absl::StrContains(response.message(), "từ ngữ không phù hợp"));

  v1::ListPendingResponse pending;
  auto context = Context();
  ASSERT_TRUE(moderation_->ListPending(context.get(), {}, &pending).ok());
  EXPECT_EQ(pending.total_pending(), 0);
}

TEST_F(SpamTest, APhoneNumberInTheBodyIsQueuedFlaggedAndListedFirst) {
  const v1::SubmitCommentResponse plain = SubmitBody("Bài viết phản ánh đúng thực tế.");
  const v1::SubmitCommentResponse advert =
      SubmitBody("Cần bán nhà chính chủ, liên hệ 0912 345 678 để xem nhà.");
  ASSERT_EQ(advert.status(), v1::SUBMISSION_STATUS_PENDING_MODERATION);

  const v1::ModeratedComment flagged = Get(advert.comment_id());
  EXPECT_TRUE(flagged.flagged());
  const v1::SpamSignal* contact = SignalOf(flagged, "contact");
  ASSERT_NE(contact, nullptr);
  EXPECT_EQ(contact->detail(), "mobile phone ×1");
  EXPECT_GE(flagged.spam_score(), 4);
  EXPECT_FALSE(Get(plain.comment_id()).flagged());

  v1::ListPendingResponse pending;
  auto context = Context();
  ASSERT_TRUE(moderation_->ListPending(context.get(), {}, &pending).ok());
  ASSERT_EQ(pending.comments_size(), 2);
  EXPECT_EQ(pending.comments(0).comment_id(), advert.comment_id());
  EXPECT_EQ(pending.comments(1).comment_id(), plain.comment_id());

  // modctl shows why.
  const testing::CommandResult shown = Modctl({"show", advert.comment_id()});
  EXPECT_EQ(shown.exit_code, 0) << shown.output;
  EXPECT_TRUE(absl::StrContains(shown.output, "contact")) << shown.output;
  EXPECT_TRUE(absl::StrContains(shown.output, "phone ×1")) << shown.output;
}

TEST_F(SpamTest, ARepeatedPostIsCaughtEvenRetypedWithoutDiacritics) {
  const v1::SubmitCommentResponse first =
      SubmitBody("Ủng hộ đội tuyển Việt Nam vô địch, cố lên các cầu thủ!");
  EXPECT_EQ(SignalOf(Get(first.comment_id()), "repeat_post"), nullptr);
  const v1::SubmitCommentResponse again =
      SubmitBody("ung ho doi tuyen viet nam vo dich, co len cac cau thu!!", "Khác", "198.51.100.9");
  const v1::ModeratedComment stored = Get(again.comment_id());
  const v1::SpamSignal* repeat = SignalOf(stored, "repeat_post");
  ASSERT_NE(repeat, nullptr);
  EXPECT_EQ(repeat->detail(), "posted 2 times");
}

TEST_F(SpamTest, AWrongCaptchaDoesNotMakeTheRetryARepeat) {
  v1::SubmitCommentRequest request = ValidSubmission();
  request.set_body("Tôi đồng ý với quan điểm của tác giả bài viết này.");
  request.set_captcha_answer("WRONG");
  v1::SubmitCommentResponse response;
  EXPECT_EQ(Submit(request, &response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  const v1::SubmitCommentResponse retry =
      SubmitBody("Tôi đồng ý với quan điểm của tác giả bài viết này.");
  EXPECT_EQ(SignalOf(Get(retry.comment_id()), "repeat_post"), nullptr);
}

TEST_F(SpamTest, TheHoneypotFieldFilledInIsRefused) {
  v1::SubmitCommentRequest request = ValidSubmission();
  request.set_honeypot("http://example.com");
  v1::SubmitCommentResponse response;
  ASSERT_TRUE(Submit(request, &response).ok());
  EXPECT_EQ(response.status(), v1::SUBMISSION_STATUS_REFUSED);
  EXPECT_EQ(response.refusal_reason(), "SPAM_SUSPECTED");
}

TEST_F(SpamTest, RulesAreReloadedOnSighupAndABadFileKeepsTheOldOnes) {
  const std::string body = "Sản phẩm thuốc xyzzy rất tốt";
  EXPECT_EQ(SubmitBody(body).status(), v1::SUBMISSION_STATUS_PENDING_MODERATION);

  WriteRules("[banned_words]\nweight = 10\nwords = [\"xyzzy\"]\n");
  ASSERT_EQ(::kill(server_->pid(), SIGHUP), 0);
  bool refused = false;
  for (int attempt = 0; attempt < 50 && !refused; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    refused = SubmitBody(body, "Lần " + std::to_string(attempt)).status() ==
              v1::SUBMISSION_STATUS_REFUSED;
  }
  EXPECT_TRUE(refused) << "rules not reloaded";

  WriteRules("[banned_words]\nweigth = 10\n");  // misspelt: refused, old rules kept
  ASSERT_EQ(::kill(server_->pid(), SIGHUP), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_TRUE(server_->Running());
  const v1::SubmitCommentResponse still = SubmitBody(body, "Sau lỗi");
  EXPECT_EQ(still.status(), v1::SUBMISSION_STATUS_REFUSED);
  EXPECT_EQ(still.refusal_reason(), "BANNED_WORD");
}

TEST_F(SpamTest, AShadowRuleIsShownButDoesNotAct) {
  WriteRules("[banned_words]\nweight = 10\nshadow = true\nwords = [\"xyzzy\"]\n");
  ASSERT_EQ(::kill(server_->pid(), SIGHUP), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const v1::SubmitCommentResponse response = SubmitBody("thuốc xyzzy");
  ASSERT_EQ(response.status(), v1::SUBMISSION_STATUS_PENDING_MODERATION);
  const v1::ModeratedComment stored = Get(response.comment_id());
  const v1::SpamSignal* banned = SignalOf(stored, "banned_words");
  ASSERT_NE(banned, nullptr);
  EXPECT_TRUE(banned->shadow());
  EXPECT_FALSE(stored.flagged());
}

TEST_F(SpamTest, RejectingAsSpamTeachesTheFilterAboutSimilarComments) {
  // An advert the shipped rules queue rather than refuse: what the filter
  // learns is the moderator's judgement beyond the rules.
  const std::string spam = "Khóa học tiếng Anh giao tiếp cam kết đầu ra, học thử miễn phí tuần đầu";
  const v1::SubmitCommentResponse first = SubmitBody(spam);
  ASSERT_EQ(first.status(), v1::SUBMISSION_STATUS_PENDING_MODERATION);
  // An untrained filter has no opinion.
  EXPECT_EQ(SignalOf(Get(first.comment_id()), "classifier"), nullptr);

  v1::RejectCommentRequest reject;
  reject.set_comment_id(first.comment_id());
  reject.set_reason(v1::REJECTION_REASON_SPAM);
  v1::RejectCommentResponse rejected;
  auto context = Context();
  ASSERT_TRUE(moderation_->RejectComment(context.get(), reject, &rejected).ok());

  // The lesson reaches the filter through Redis within a poll or two.
  double probability = 0;
  for (int attempt = 0; attempt < 40 && probability <= 0.5; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const v1::SubmitCommentResponse similar =
        SubmitBody("Khóa học tiếng Anh giao tiếp cam kết đầu ra, học thử " + std::to_string(attempt),
                   "Dịch vụ", "198.51.100." + std::to_string(attempt + 1));
    const v1::ModeratedComment stored = Get(similar.comment_id());
    if (const v1::SpamSignal* classifier = SignalOf(stored, "classifier")) {
      ASSERT_TRUE(absl::StartsWith(classifier->detail(), "p=")) << classifier->detail();
      probability = std::stod(classifier->detail().substr(2));
      EXPECT_GT(classifier->score(), 0);
    }
  }
  EXPECT_GT(probability, 0.5) << "the rejection did not reach the filter";
}

}  // namespace
}  // namespace moderation::e2e
