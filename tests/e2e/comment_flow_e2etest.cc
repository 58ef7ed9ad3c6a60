#include <gmock/gmock.h>
#include <signal.h>
#include <sys/wait.h>

#include "tests/e2e/e2e_fixture.h"

namespace moderation::e2e {
namespace {

using ::testing::ElementsAre;

class CommentFlowTest : public EndToEndTest {
 protected:
  v1::ListPendingResponse Pending() {
    v1::ListPendingResponse response;
    auto context = Context();
    EXPECT_TRUE(moderation_->ListPending(context.get(), v1::ListPendingRequest(), &response).ok());
    return response;
  }

  v1::ListApprovedCommentsResponse Approved(const std::string& article) {
    v1::ListApprovedCommentsRequest request;
    request.set_article_id(article);
    v1::ListApprovedCommentsResponse response;
    auto context = Context();
    const grpc::Status status = portal_->ListApprovedComments(context.get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  grpc::Status Approve(const std::string& id, v1::ApproveCommentResponse* response) {
    v1::ApproveCommentRequest request;
    request.set_comment_id(id);
    auto context = Context();
    return moderation_->ApproveComment(context.get(), request, response);
  }
};

TEST_F(CommentFlowTest, ACommentGoesFromTheReaderToAModeratorAndBack) {
  const v1::CreateCaptchaResponse captcha = NewCaptcha();
  EXPECT_EQ(captcha.png().substr(0, 4), "\x89PNG");
  EXPECT_FALSE(captcha.dev_answer().empty());

  v1::SubmitCommentResponse submitted;
  const grpc::Status status = Submit(ValidSubmission("xa-hoi-42"), &submitted);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(submitted.status(), v1::SUBMISSION_STATUS_PENDING_MODERATION);
  EXPECT_EQ(submitted.comment_id().size(), 26u);
  EXPECT_FALSE(submitted.message().empty());

  // Not visible to readers before approval.
  EXPECT_EQ(Approved("xa-hoi-42").comments_size(), 0);

  const v1::ListPendingResponse pending = Pending();
  ASSERT_EQ(pending.comments_size(), 1);
  const v1::ModeratedComment& queued = pending.comments(0);
  EXPECT_EQ(queued.comment_id(), submitted.comment_id());
  EXPECT_EQ(queued.name(), "Hoàng Minh Đức");
  EXPECT_EQ(queued.phone_masked(), "+84 9•• ••• •56");
  EXPECT_EQ(queued.client_network(), "203.0.113.0/24");
  EXPECT_EQ(queued.status(), v1::COMMENT_STATUS_PENDING);

  v1::ApproveCommentResponse approved;
  ASSERT_TRUE(Approve(submitted.comment_id(), &approved).ok());
  EXPECT_EQ(approved.comment().status(), v1::COMMENT_STATUS_APPROVED);

  const v1::ListApprovedCommentsResponse listed = Approved("xa-hoi-42");
  ASSERT_EQ(listed.comments_size(), 1);
  EXPECT_EQ(listed.comments(0).comment_id(), submitted.comment_id());
  EXPECT_EQ(listed.comments(0).body(),
            "Bài viết phản ánh đúng thực tế.\nMong cơ quan chức năng vào cuộc.");
  EXPECT_EQ(Pending().comments_size(), 0);
}

TEST_F(CommentFlowTest, ACaptchaCannotBeReplayed) {
  const v1::SubmitCommentRequest request = ValidSubmission();
  v1::SubmitCommentResponse response;
  ASSERT_TRUE(Submit(request, &response).ok());
  v1::SubmitCommentRequest replay = request;
  replay.set_body("Một bình luận khác dùng lại mã cũ.");
  const grpc::Status status = Submit(replay, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolationsOf(status), ElementsAre("captcha_id:CAPTCHA_ALREADY_USED"));
  EXPECT_EQ(Pending().comments_size(), 1);
}

TEST_F(CommentFlowTest, AWrongAnswerUsesTheCaptchaUp) {
  v1::SubmitCommentRequest request = ValidSubmission();
  const std::string right = request.captcha_answer();
  request.set_captcha_answer("WRONG");
  v1::SubmitCommentResponse response;
  grpc::Status status = Submit(request, &response);
  EXPECT_THAT(ViolationsOf(status), ElementsAre("captcha_answer:CAPTCHA_WRONG"));
  EXPECT_FALSE(DetailOf(status).field_violations(0).message().empty());
  request.set_captcha_answer(right);
  status = Submit(request, &response);
  EXPECT_THAT(ViolationsOf(status), ElementsAre("captcha_id:CAPTCHA_ALREADY_USED"));
}

TEST_F(CommentFlowTest, ASecondDecisionIsRefused) {
  v1::SubmitCommentResponse submitted;
  ASSERT_TRUE(Submit(ValidSubmission(), &submitted).ok());
  v1::ApproveCommentResponse approved;
  ASSERT_TRUE(Approve(submitted.comment_id(), &approved).ok());

  v1::RejectCommentRequest reject;
  reject.set_comment_id(submitted.comment_id());
  reject.set_reason(v1::REJECTION_REASON_SPAM);
  v1::RejectCommentResponse rejected;
  auto context = Context();
  const grpc::Status status = moderation_->RejectComment(context.get(), reject, &rejected);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(DetailOf(status).reason(), "COMMENT_NOT_PENDING");
  EXPECT_EQ(Approve(submitted.comment_id(), &approved).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Approved("the-gioi-1").comments_size(), 1);
}

TEST_F(CommentFlowTest, ARetryWithTheSameIdempotencyKeyQueuesOnce) {
  v1::SubmitCommentRequest request = ValidSubmission();
  request.set_idempotency_key("portal-req-7f3a");
  v1::SubmitCommentResponse first;
  v1::SubmitCommentResponse retry;
  ASSERT_TRUE(Submit(request, &first).ok());
  const grpc::Status status = Submit(request, &retry);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(retry.comment_id(), first.comment_id());
  EXPECT_EQ(retry.status(), v1::SUBMISSION_STATUS_PENDING_MODERATION);
  EXPECT_EQ(Pending().total_pending(), 1);
}

TEST_F(CommentFlowTest, UnknownAndMalformedCommentIds) {
  v1::GetCommentRequest request;
  request.set_comment_id("01JD0000000000000000000009");
  v1::GetCommentResponse response;
  auto context = Context();
  grpc::Status status = moderation_->GetComment(context.get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  request.set_comment_id("../../etc/passwd");
  context = Context();
  status = moderation_->GetComment(context.get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolationsOf(status), ElementsAre("comment_id:INVALID_FORMAT"));
}

TEST_F(CommentFlowTest, AnAcknowledgedCommentSurvivesARedisCrash) {
  v1::SubmitCommentResponse submitted;
  ASSERT_TRUE(Submit(ValidSubmission(), &submitted).ok());
  const v1::SubmitCommentRequest during_outage = ValidSubmission();
  ASSERT_TRUE(redis_->Kill().ok());

  // While Redis is down, calls fail fast and say so.
  v1::SubmitCommentResponse refused;
  const grpc::Status down = Submit(during_outage, &refused);
  EXPECT_EQ(down.error_code(), grpc::StatusCode::UNAVAILABLE);

  ASSERT_TRUE(redis_->Restart().ok());
  const bool recovered = testing::WaitFor(
      [&] {
        v1::GetCommentRequest request;
        request.set_comment_id(submitted.comment_id());
        v1::GetCommentResponse response;
        auto context = Context();
        return moderation_->GetComment(context.get(), request, &response).ok() &&
               response.comment().status() == v1::COMMENT_STATUS_PENDING;
      },
      absl::Seconds(10));
  EXPECT_TRUE(recovered);
}

// A write to a socket that Redis has just reset raises SIGPIPE; that must
// cost the connection, not the process. (Without the metrics endpoint: its
// HTTP library ignores SIGPIPE for the whole process, which hid the fault.)
TEST_F(CommentFlowTest, ABrokenPipeDoesNotEndTheService) {
  RestartServerWith({{"MODERATION_METRICS_LISTEN", ""}});
  ASSERT_EQ(::kill(server_->pid(), SIGPIPE), 0);
  v1::SubmitCommentResponse submitted;
  const grpc::Status status = Submit(ValidSubmission(), &submitted);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(server_->Running());
}

TEST_F(CommentFlowTest, SigtermDrainsAndExitsCleanly) {
  absl::StatusOr<int> status = server_->Stop(SIGTERM, absl::Seconds(10));
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 0);
}

}  // namespace
}  // namespace moderation::e2e
