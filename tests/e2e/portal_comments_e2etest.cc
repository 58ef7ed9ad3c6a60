// The development set of portal comments (../shared/data/portal-comments,
// beside the repository) through the real server started without any spam
// configuration: what the shipped defaults do with what the portal receives.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "service/validation/phone.h"
#include "tests/e2e/e2e_fixture.h"
#include "tools/spam_eval/comment_scoring.h"

namespace moderation::e2e {
namespace {

std::string DataPath() {
  return std::string(MODERATION_SOURCE_DIR) +
         "/../shared/data/portal-comments/portal-comments-dev.csv";
}

class PortalCommentsTest : public EndToEndTest {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(DataPath())) {
      GTEST_SKIP() << DataPath() << " is not there (the data sits beside the repository)";
    }
    // Nothing about spam is configured: the built-in rules score. Rate limits
    // are off, since one client sends the whole set.
    extra_settings_ = {{"MODERATION_RATELIMIT_ENABLED", "0"}};
    EndToEndTest::SetUp();
  }
};

struct Tally {
  int total = 0;
  int flagged = 0;
  int refused = 0;
  int invalid = 0;  // not accepted as sent (a field the form refuses)
};

TEST_F(PortalCommentsTest, ShippedDefaultsFlagSpamAndLeaveReadersAlone) {
  absl::StatusOr<std::vector<spam_eval::FormComment>> comments =
      spam_eval::LoadFormComments(DataPath(), spam_eval::CommentColumns());
  ASSERT_TRUE(comments.ok()) << comments.status();
  ASSERT_GT(comments->size(), 100U);

  // Captchas first, then a pause, so that no comment counts as sent too fast
  // after its captcha (readers take longer than the rule's few seconds).
  std::vector<v1::CreateCaptchaResponse> captchas;
  captchas.reserve(comments->size());
  for (std::size_t i = 0; i < comments->size(); ++i) {
    captchas.push_back(NewCaptcha());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(3500));

  Tally spam;
  Tally ham;
  std::vector<std::string> misses;
  for (std::size_t i = 0; i < comments->size(); ++i) {
    const spam_eval::FormComment& comment = (*comments)[i];
    v1::SubmitCommentRequest request;
    request.set_article_id(comment.article.empty() ? "bai-viet" : comment.article);
    request.set_name(comment.name);
    // The form requires a title and checks the phone before it sends; a
    // reader who left the title empty or mistyped the number is asked again
    // by the form, which the data does not show: a neutral title, no number.
    if (validation::NormalizeVietnamesePhone(comment.phone).ok()) {
      request.set_phone(comment.phone);
    }
    request.set_title(comment.title.empty() ? "Ý kiến" : comment.title);
    request.set_body(comment.body);
    request.set_captcha_id(captchas[i].captcha_id());
    request.set_captcha_answer(captchas[i].dev_answer());
    // What is measured here is the content rules: the proof of work comes
    // solved by the server (reveal mode), as it does for the load generator.
    request.set_altcha_payload(captchas[i].dev_altcha_payload());
    // Each from its own address, in documentation ranges.
    request.set_client_ip("198.18." + std::to_string(i / 250) + "." + std::to_string(1 + i % 250));
    request.set_user_agent("Mozilla/5.0 (X11; Linux x86_64)");
    v1::SubmitCommentResponse response;
    const grpc::Status status = Submit(request, &response);
    Tally& tally = comment.is_spam ? spam : ham;
    ++tally.total;
    if (!status.ok()) {
      ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
          << comment.id << ": " << status.error_message();
      ++tally.invalid;
      for (const std::string& violation : ViolationsOf(status)) {
        misses.push_back(comment.id + " not accepted: " + violation);
      }
      continue;
    }
    if (response.status() == v1::SUBMISSION_STATUS_REFUSED) {
      ++tally.refused;
      if (!comment.is_spam) {
        misses.push_back(comment.id + " refused: " + response.refusal_reason());
      }
      continue;
    }
    v1::GetCommentRequest get;
    get.set_comment_id(response.comment_id());
    v1::GetCommentResponse got;
    auto context = Context();
    ASSERT_TRUE(moderation_->GetComment(context.get(), get, &got).ok());
    if (got.comment().flagged()) {
      ++tally.flagged;
    }
    if (got.comment().flagged() != comment.is_spam) {
      misses.push_back(comment.id + (comment.is_spam ? " spam queued" : " reader flagged") +
                       " score " + std::to_string(got.comment().spam_score()));
    }
  }
  const auto share = [](int part, int whole) { return whole == 0 ? 0.0 : 100.0 * part / whole; };
  std::printf(
      "portal-comments through the server, shipped defaults:\n"
      "  spam    %d: flagged %d, refused %d, flagged or refused %.1f%%, not accepted %d\n"
      "  readers %d: flagged %d (%.1f%%), refused %d, not accepted %d\n",
      spam.total, spam.flagged, spam.refused, share(spam.flagged + spam.refused, spam.total),
      spam.invalid, ham.total, ham.flagged, share(ham.flagged, ham.total), ham.refused,
      ham.invalid);
  for (const std::string& miss : misses) {
    std::printf("  %s\n", miss.c_str());
  }
  EXPECT_GE(spam.flagged + spam.refused, 0.95 * spam.total);
  EXPECT_LE(ham.flagged, 0.03 * ham.total);
  EXPECT_EQ(ham.refused, 0);
  EXPECT_EQ(ham.invalid, 0);
}

}  // namespace
}  // namespace moderation::e2e
