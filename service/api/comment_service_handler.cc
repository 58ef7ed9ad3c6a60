#include "service/api/comment_service_handler.h"

#include "moderation/internal/wire.pb.h"
#include "absl/time/clock.h"
#include "service/api/grpc_status.h"
#include "service/api/proto_conversions.h"
#include "service/api/raw_messages.h"
#include "service/common/errors.h"
#include "service/validation/ip.h"

namespace moderation::api {
namespace {

constexpr absl::string_view kCreateCaptcha = "CreateCaptcha";
constexpr absl::string_view kSubmitComment = "SubmitComment";
constexpr absl::string_view kListApproved = "ListApprovedComments";

absl::Status MalformedRequest() {
  return ErrorWithReason(absl::StatusCode::kInvalidArgument, "MALFORMED_REQUEST",
                         "Yêu cầu không hợp lệ.", "request is not a valid protobuf message");
}

void SetTime(absl::Time time, google::protobuf::Timestamp& out) {
  out.set_seconds(absl::ToUnixSeconds(time));
}

}  // namespace

CommentServiceHandler::CommentServiceHandler(submission::CaptchaIssuance& captchas,
                                             submission::SubmissionPipeline& submissions,
                                             PublicFeed& feed, const CallFinisher& finisher,
                                             bool dev_reveal_captcha)
    : captchas_(captchas),
      submissions_(submissions),
      feed_(feed),
      finisher_(finisher),
      dev_reveal_captcha_(dev_reveal_captcha) {}

grpc::ServerUnaryReactor* CommentServiceHandler::CreateCaptcha(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  const absl::Time start = absl::Now();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  internal::LenientCreateCaptchaRequest parsed;
  if (!ParseRawRequest(*request, parsed)) {
    finisher_.Finish(context, reactor, MalformedRequest(), kCreateCaptcha, start);
    return reactor;
  }
  std::vector<FieldViolation> violations;
  std::string client_ip;
  if (!parsed.client_ip().empty()) {
    if (std::optional<validation::ClientAddress> address =
            validation::ParseClientAddress(parsed.client_ip())) {
      client_ip = std::move(address->canonical);
    } else {
      violations.push_back({"client_ip", "INVALID_FORMAT", "Địa chỉ IP không đúng định dạng."});
    }
  }
  if (parsed.audio()) {
    violations.push_back({"audio", "UNSUPPORTED", "Mã xác nhận bằng âm thanh chưa được hỗ trợ."});
  }
  if (!violations.empty()) {
    finisher_.Finish(context, reactor, InvalidFields(std::move(violations)), kCreateCaptcha, start);
    return reactor;
  }
  captchas_.Create(client_ip, [this, context, reactor, response,
                               start](absl::StatusOr<captcha::IssuedCaptcha> issued) {
    if (!issued.ok()) {
      finisher_.Finish(context, reactor, issued.status(), kCreateCaptcha, start);
      return;
    }
    v1::CreateCaptchaResponse reply;
    reply.set_captcha_id(issued->captcha_id);
    reply.set_png(std::move(issued->png));
    SetTime(issued->expire_time, *reply.mutable_expire_time());
    if (dev_reveal_captcha_) {
      reply.set_dev_answer(issued->answer);
    }
    WriteRawResponse(reply, *response);
    finisher_.Finish(context, reactor, absl::OkStatus(), kCreateCaptcha, start);
  });
  return reactor;
}

grpc::ServerUnaryReactor* CommentServiceHandler::SubmitComment(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  const absl::Time start = absl::Now();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  // The pipeline copies what it keeps before returning, so views into this
  // local message are enough.
  internal::LenientSubmitCommentRequest parsed;
  if (!ParseRawRequest(*request, parsed)) {
    finisher_.Finish(context, reactor, MalformedRequest(), kSubmitComment, start);
    return reactor;
  }
  const validation::RawSubmission raw{
      .article_id = parsed.article_id(),
      .name = parsed.name(),
      .phone = parsed.phone(),
      .title = parsed.title(),
      .body = parsed.body(),
      .captcha_id = parsed.captcha_id(),
      .captcha_answer = parsed.captcha_answer(),
      .client_ip = parsed.client_ip(),
      .user_agent = parsed.user_agent(),
      .idempotency_key = parsed.idempotency_key(),
  };
  submissions_.Submit(raw, [this, context, reactor, response, start](
                               absl::StatusOr<submission::SubmissionResult> result) {
    if (!result.ok()) {
      finisher_.RecordSubmission(result.status(), "refused", "");
      finisher_.Finish(context, reactor, result.status(), kSubmitComment, start);
      return;
    }
    v1::SubmitCommentResponse reply;
    if (result->outcome == submission::SubmissionOutcome::kRefused) {
      reply.set_status(v1::SUBMISSION_STATUS_REFUSED);
      reply.set_refusal_reason(result->refusal_reason);
      reply.set_message("Bình luận của bạn không được chấp nhận.");
    } else {
      reply.set_comment_id(result->comment_id);
      reply.set_status(v1::SUBMISSION_STATUS_PENDING_MODERATION);
      reply.set_message("Cảm ơn bạn! Bình luận của bạn đang chờ kiểm duyệt.");
    }
    finisher_.RecordSubmission(absl::OkStatus(),
                               result->outcome == submission::SubmissionOutcome::kRefused
                                   ? "refused"
                                   : (result->replayed ? "replayed" : "accepted"),
                               result->refusal_reason);
    WriteRawResponse(reply, *response);
    finisher_.Finish(context, reactor, absl::OkStatus(), kSubmitComment, start);
  });
  return reactor;
}

grpc::ServerUnaryReactor* CommentServiceHandler::ListApprovedComments(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  const absl::Time start = absl::Now();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  internal::LenientListApprovedCommentsRequest parsed;
  if (!ParseRawRequest(*request, parsed)) {
    finisher_.Finish(context, reactor, MalformedRequest(), kListApproved, start);
    return reactor;
  }
  feed_.ListApproved(parsed.article_id(), parsed.page_size(), parsed.page_token(),
                     [this, context, reactor, response,
                      start](absl::StatusOr<comments::CommentPage> page) {
                       if (!page.ok()) {
                         finisher_.Finish(context, reactor, page.status(), kListApproved, start);
                         return;
                       }
                       v1::ListApprovedCommentsResponse reply;
                       for (const comments::Comment& comment : page->comments) {
                         ToPublishedComment(comment, *reply.add_comments());
                       }
                       reply.set_next_page_token(page->next_cursor);
                       WriteRawResponse(reply, *response);
                       finisher_.Finish(context, reactor, absl::OkStatus(), kListApproved, start);
                     });
  return reactor;
}

}  // namespace moderation::api
