#include <gmock/gmock.h>
#include <grpcpp/generic/generic_stub.h>

#include "tests/e2e/e2e_fixture.h"

namespace moderation::e2e {
namespace {

using ::testing::ElementsAre;

class ValidationTest : public EndToEndTest {
 protected:
  // Submits `request` and expects INVALID_ARGUMENT naming exactly `expected`
  // ("field:REASON"), each with a Vietnamese message.
  void ExpectViolations(const v1::SubmitCommentRequest& request,
                        const std::vector<std::string>& expected) {
    v1::SubmitCommentResponse response;
    const grpc::Status status = Submit(request, &response);
    ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
    EXPECT_EQ(ViolationsOf(status), expected);
    const v1::ErrorDetail detail = DetailOf(status);
    for (const v1::FieldViolation& violation : detail.field_violations()) {
      EXPECT_FALSE(violation.message().empty()) << violation.field();
    }
  }
};

TEST_F(ValidationTest, RequiredFields) {
  v1::SubmitCommentRequest request;
  ExpectViolations(request,
                   {"article_id:REQUIRED", "name:REQUIRED", "title:REQUIRED", "body:REQUIRED",
                    "captcha_id:REQUIRED", "captcha_answer:REQUIRED", "client_ip:REQUIRED"});
}

TEST_F(ValidationTest, TooLongFields) {
  v1::SubmitCommentRequest request = ValidSubmission();
  request.set_name(std::string(101, 'a'));
  request.set_title(std::string(201, 'b'));
  std::string body;
  for (int i = 0; i < 5001; ++i) {
    body += "ệ";
  }
  request.set_body(body);
  request.set_user_agent(std::string(513, 'u'));
  request.set_idempotency_key(std::string(129, 'k'));
  request.set_article_id(std::string(65, 'x'));
  ExpectViolations(request, {"article_id:TOO_LONG", "name:TOO_LONG", "title:TOO_LONG",
                             "body:TOO_LONG", "user_agent:TOO_LONG", "idempotency_key:TOO_LONG"});
}

TEST_F(ValidationTest, MalformedFields) {
  v1::SubmitCommentRequest request = ValidSubmission();
  request.set_article_id("bài viết");
  request.set_phone("123");
  request.set_client_ip("300.1.1.1");
  request.set_idempotency_key("has space");
  ExpectViolations(request, {"article_id:INVALID_FORMAT", "phone:PHONE_INVALID",
                             "client_ip:INVALID_FORMAT", "idempotency_key:INVALID_FORMAT"});
}

TEST_F(ValidationTest, ControlCharactersAndLineBreaks) {
  v1::SubmitCommentRequest request = ValidSubmission();
  request.set_name("Tên\x07");
  request.set_title("Hai\ndòng");
  request.set_body("Nhiều dòng\nthì được\tcả tab");
  ExpectViolations(request, {"name:CONTROL_CHARACTER", "title:CONTROL_CHARACTER"});
}

TEST_F(ValidationTest, InvalidUtf8IsNamedNotAnInternalError) {
  v1::SubmitCommentRequest request = ValidSubmission();
  // Sent as raw bytes: protobuf would refuse to parse it as a string field.
  request.set_name("Nguy\xE1\xBB");
  request.set_body("\xFF\xFE");
  ExpectViolations(request, {"name:INVALID_UTF8", "body:INVALID_UTF8"});
}

TEST_F(ValidationTest, CaptchaProblemsAreNamed) {
  v1::SubmitCommentRequest request = ValidSubmission();
  request.set_captcha_id("0123456789abcdef0123456789abcdef.9999999999");
  ExpectViolations(request, {"captcha_id:CAPTCHA_UNKNOWN"});
  request.set_captcha_id("not-a-captcha");
  ExpectViolations(request, {"captcha_id:CAPTCHA_UNKNOWN"});
}

TEST_F(ValidationTest, AValidationErrorLeavesTheCaptchaUsable) {
  v1::SubmitCommentRequest request = ValidSubmission();
  request.set_phone("not a phone");
  ExpectViolations(request, {"phone:PHONE_INVALID"});
  request.set_phone("");
  v1::SubmitCommentResponse response;
  EXPECT_TRUE(Submit(request, &response).ok());
}

TEST_F(ValidationTest, PagingLimits) {
  v1::ListApprovedCommentsRequest request;
  request.set_article_id("a1");
  request.set_page_size(101);
  request.set_page_token("garbage");
  v1::ListApprovedCommentsResponse response;
  auto context = Context();
  const grpc::Status status = portal_->ListApprovedComments(context.get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolationsOf(status),
              ElementsAre("page_size:OUT_OF_RANGE", "page_token:INVALID_FORMAT"));
}

TEST_F(ValidationTest, RejectionNeedsAReason) {
  v1::RejectCommentRequest request;
  request.set_comment_id("01JD0000000000000000000001");
  v1::RejectCommentResponse response;
  auto context = Context();
  const grpc::Status status = moderation_->RejectComment(context.get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolationsOf(status), ElementsAre("reason:REQUIRED"));
}

TEST_F(ValidationTest, OversizedMessagesAreRefusedByTheTransport) {
  v1::SubmitCommentRequest request = ValidSubmission();
  request.set_body(std::string(std::size_t{100} * 1024, 'x'));
  v1::SubmitCommentResponse response;
  EXPECT_EQ(Submit(request, &response).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST_F(ValidationTest, AnUnknownRejectionReasonIsAnInvalidValue) {
  v1::RejectCommentRequest request;
  request.set_comment_id("01JD0000000000000000000001");
  request.set_reason(static_cast<v1::RejectionReason>(99));
  v1::RejectCommentResponse response;
  auto context = Context();
  const grpc::Status status = moderation_->RejectComment(context.get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolationsOf(status), ElementsAre("reason:INVALID_VALUE"));
}

TEST_F(ValidationTest, VisuallyEmptyTextAndNulAreNamed) {
  v1::SubmitCommentRequest request = ValidSubmission();
  request.set_name("\u00a0\u200b\u3164");
  request.set_title("\u2800\u00ad");
  request.set_body("\u3000\ufeff\u200d");
  request.set_client_ip(std::string("10.250.1.1\0<script>x</script>", 30));
  ExpectViolations(
      request, {"name:REQUIRED", "title:REQUIRED", "body:REQUIRED", "client_ip:INVALID_FORMAT"});
}

// A call that ends before its message (what a cancelled or truncated stream
// looks like to a unary handler) is malformed, not a request with every field
// left out.
TEST_F(ValidationTest, ACallWithoutAMessageIsMalformed) {
  grpc::GenericStub stub(channel_);
  grpc::CompletionQueue queue;
  auto context = Context();
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call =
      stub.PrepareCall(context.get(), "/moderation.v1.CommentService/CreateCaptcha", &queue);
  const auto wait = [&queue](intptr_t expected) {
    void* tag = nullptr;
    bool ok = false;
    EXPECT_TRUE(queue.Next(&tag, &ok));
    EXPECT_EQ(reinterpret_cast<intptr_t>(tag), expected);
  };
  call->StartCall(reinterpret_cast<void*>(1));
  wait(1);
  call->WritesDone(reinterpret_cast<void*>(2));
  wait(2);
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(3));
  wait(3);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_EQ(DetailOf(status).reason(), "MALFORMED_REQUEST");
  queue.Shutdown();
}

// A client with nothing but proto/: moderation.v1.RpcStatus, then the Any in
// it, give the Vietnamese message and the fields.
TEST_F(ValidationTest, TheDetailDecodesWithThePublicProtoAlone) {
  v1::SubmitCommentRequest request = ValidSubmission();
  request.clear_name();
  v1::SubmitCommentResponse response;
  const grpc::Status status = Submit(request, &response);
  v1::RpcStatus rpc_status;
  ASSERT_TRUE(rpc_status.ParseFromString(status.error_details()));
  EXPECT_EQ(rpc_status.code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  ASSERT_EQ(rpc_status.details_size(), 1);
  EXPECT_EQ(rpc_status.details(0).type_url(), "type.googleapis.com/moderation.v1.ErrorDetail");
  v1::ErrorDetail detail;
  ASSERT_TRUE(rpc_status.details(0).UnpackTo(&detail));
  EXPECT_EQ(detail.reason(), "INVALID_FIELDS");
  EXPECT_EQ(detail.message(), "Vui lòng nhập Họ tên.");
}

}  // namespace
}  // namespace moderation::e2e
