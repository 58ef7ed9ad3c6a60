#include "service/api/comment_service_handler.h"

#include "absl/time/clock.h"
#include "moderation/internal/wire.pb.h"
#include "service/api/call_auth.h"
#include "service/api/call_gate.h"
#include "service/api/grpc_status.h"
#include "service/api/proto_conversions.h"
#include "service/api/raw_messages.h"
#include "service/common/deadline.h"
#include "service/common/errors.h"

namespace moderation::api {
namespace {

constexpr absl::string_view kCreateCaptcha = "CreateCaptcha";
constexpr absl::string_view kSubmitComment = "SubmitComment";
constexpr absl::string_view kListApproved = "ListApprovedComments";

constexpr absl::string_view kRefreshCaptcha = "RefreshCaptcha";

bool IsPrintableAscii(absl::string_view text) {
  for (char c : text) {
    if (c <= 0x20 || c >= 0x7f) {
      return false;
    }
  }
  return true;
}

// Both captcha responses carry the same fields.
template <typename Reply>
void FillCaptcha(captcha::IssuedCaptcha issued, bool reveal, Reply& reply) {
  reply.set_captcha_id(std::move(issued.captcha_id));
  reply.set_png(std::move(issued.png));
  reply.set_wav(std::move(issued.wav));
  SetTimestamp(issued.expire_time, *reply.mutable_expire_time());
  if (reveal) {
    // For an audio captcha, the code that is spoken (the image's is accepted
    // too): what a reader who listens types.
    reply.set_dev_answer(
        std::move(issued.audio_answer.empty() ? issued.answer : issued.audio_answer));
  }
  if (issued.altcha) {
    const pow::AltchaChallenge& challenge = *issued.altcha;
    v1::AltchaChallenge& out = *reply.mutable_altcha();
    out.set_algorithm(challenge.algorithm);
    out.set_challenge(challenge.challenge);
    out.set_maxnumber(challenge.maxnumber);
    out.set_salt(challenge.salt);
    out.set_signature(challenge.signature);
    out.set_json(challenge.Json());
    if (reveal) {
      reply.set_dev_altcha_payload(pow::EncodeAltchaPayload(challenge, challenge.number));
    }
  }
}

}  // namespace

CommentServiceHandler::CommentServiceHandler(submission::CaptchaIssuance& captchas,
                                             submission::SubmissionPipeline& submissions,
                                             PublicFeed& feed, const CallFinisher& finisher,
                                             const auth::AccessPolicy& access,
                                             const validation::FieldLimits& limits,
                                             bool dev_reveal_captcha)
    : captchas_(captchas),
      submissions_(submissions),
      feed_(feed),
      finisher_(finisher),
      access_(access),
      limits_(limits),
      dev_reveal_captcha_(dev_reveal_captcha) {}

bool CommentServiceHandler::Admit(grpc::CallbackServerContext* context,
                                  grpc::ServerUnaryReactor* reactor, absl::string_view method,
                                  absl::Time start) const {
  if (absl::Status admitted = finisher_.Admission(*context); !admitted.ok()) {
    finisher_.Finish(context, reactor, admitted, method, start);
    return false;
  }
  absl::StatusOr<auth::Principal> caller =
      AuthorizeCall(*context, access_, auth::Permission::kPortal);
  if (!caller.ok()) {
    finisher_.Finish(context, reactor, caller.status(), method, start);
    return false;
  }
  return true;
}

grpc::ServerUnaryReactor* CommentServiceHandler::CreateCaptcha(grpc::CallbackServerContext* context,
                                                               const grpc::ByteBuffer* request,
                                                               grpc::ByteBuffer* response) {
  const absl::Time start = absl::Now();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (!Admit(context, reactor, kCreateCaptcha, start)) {
    return reactor;
  }
  internal::LenientCreateCaptchaRequest parsed;
  if (!ParseRawRequest(*request, parsed)) {
    finisher_.Finish(context, reactor, MalformedRequest(), kCreateCaptcha, start);
    return reactor;
  }
  absl::StatusOr<std::string> client_ip =
      validation::ValidateClientIp(parsed.client_ip(), limits_.captcha_client_ip_required, limits_);
  if (!client_ip.ok()) {
    finisher_.Finish(context, reactor, client_ip.status(), kCreateCaptcha, start);
    return reactor;
  }
  // Every Redis command of this call carries the caller's deadline.
  const ScopedDeadline deadline(CallDeadline(*context));
  captchas_.Create(
      *client_ip, parsed.audio(),
      [this, context, reactor, response, start](absl::StatusOr<captcha::IssuedCaptcha> issued) {
        if (!issued.ok()) {
          finisher_.Finish(context, reactor, issued.status(), kCreateCaptcha, start);
          return;
        }
        v1::CreateCaptchaResponse reply;
        FillCaptcha(*std::move(issued), dev_reveal_captcha_, reply);
        WriteRawResponse(reply, *response);
        finisher_.Finish(context, reactor, absl::OkStatus(), kCreateCaptcha, start);
      });
  return reactor;
}

grpc::ServerUnaryReactor* CommentServiceHandler::RefreshCaptcha(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  const absl::Time start = absl::Now();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (!Admit(context, reactor, kRefreshCaptcha, start)) {
    return reactor;
  }
  internal::LenientRefreshCaptchaRequest parsed;
  if (!ParseRawRequest(*request, parsed)) {
    finisher_.Finish(context, reactor, MalformedRequest(), kRefreshCaptcha, start);
    return reactor;
  }
  std::vector<FieldViolation> violations;
  const std::string& old_id = parsed.captcha_id();
  if (old_id.empty()) {
    violations.push_back({"captcha_id", "REQUIRED", "Thiếu mã xác nhận cần đổi."});
  } else if (old_id.size() > 64 || !IsPrintableAscii(old_id)) {
    violations.push_back({"captcha_id", "INVALID_FORMAT", "Mã xác nhận không hợp lệ."});
  }
  absl::StatusOr<std::string> client_ip =
      validation::ValidateClientIp(parsed.client_ip(), limits_.captcha_client_ip_required, limits_);
  if (!client_ip.ok()) {
    for (FieldViolation& violation : FieldViolationsOf(client_ip.status())) {
      violations.push_back(std::move(violation));
    }
  }
  if (!violations.empty()) {
    finisher_.Finish(context, reactor, InvalidFields(std::move(violations)), kRefreshCaptcha,
                     start);
    return reactor;
  }
  const ScopedDeadline deadline(CallDeadline(*context));
  captchas_.Refresh(
      old_id, *client_ip, parsed.audio(),
      [this, context, reactor, response, start](absl::StatusOr<captcha::IssuedCaptcha> issued) {
        if (!issued.ok()) {
          finisher_.Finish(context, reactor, issued.status(), kRefreshCaptcha, start);
          return;
        }
        v1::RefreshCaptchaResponse reply;
        FillCaptcha(*std::move(issued), dev_reveal_captcha_, reply);
        WriteRawResponse(reply, *response);
        finisher_.Finish(context, reactor, absl::OkStatus(), kRefreshCaptcha, start);
      });
  return reactor;
}

namespace {

// What the reader is told, by refusal reason.
absl::string_view RefusalMessage(absl::string_view reason) {
  if (reason == "BANNED_WORD") {
    return "Bình luận có từ ngữ không phù hợp nên không được chấp nhận.";
  }
  if (reason == "LINK_NOT_ALLOWED") {
    return "Bình luận có đường dẫn không được phép nên không được chấp nhận.";
  }
  if (reason == "DUPLICATE_COMMENT") {
    return "Bình luận này đã được gửi trước đó.";
  }
  if (reason == "SPAM_SUSPECTED") {
    return "Bình luận bị hệ thống chống spam từ chối.";
  }
  return "Bình luận của bạn không được chấp nhận.";
}

}  // namespace

grpc::ServerUnaryReactor* CommentServiceHandler::SubmitComment(grpc::CallbackServerContext* context,
                                                               const grpc::ByteBuffer* request,
                                                               grpc::ByteBuffer* response) {
  const absl::Time start = absl::Now();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (!Admit(context, reactor, kSubmitComment, start)) {
    return reactor;
  }
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
      .honeypot = parsed.honeypot(),
      .altcha_payload = parsed.altcha_payload(),
  };
  const ScopedDeadline deadline(CallDeadline(*context));
  submissions_.Submit(raw, [this, context, reactor, response,
                            start](absl::StatusOr<submission::SubmissionResult> result) {
    if (!result.ok()) {
      finisher_.RecordSubmission(result.status(), "refused", "");
      finisher_.Finish(context, reactor, result.status(), kSubmitComment, start);
      return;
    }
    v1::SubmitCommentResponse reply;
    if (result->outcome == submission::SubmissionOutcome::kRefused) {
      reply.set_status(v1::SUBMISSION_STATUS_REFUSED);
      reply.set_refusal_reason(result->refusal_reason);
      reply.set_message(std::string(RefusalMessage(result->refusal_reason)));
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
  if (!Admit(context, reactor, kListApproved, start)) {
    return reactor;
  }
  internal::LenientListApprovedCommentsRequest parsed;
  if (!ParseRawRequest(*request, parsed)) {
    finisher_.Finish(context, reactor, MalformedRequest(), kListApproved, start);
    return reactor;
  }
  const ScopedDeadline deadline(CallDeadline(*context));
  feed_.ListApproved(parsed.article_id(), parsed.page_size(), parsed.page_token(),
                     [this, context, reactor, response,
                      start](absl::StatusOr<std::shared_ptr<const FeedPage>> page) {
                       if (!page.ok()) {
                         finisher_.Finish(context, reactor, page.status(), kListApproved, start);
                         return;
                       }
                       // Serialised once per cached page, then copied as bytes.
                       const std::string& bytes =
                           (*page)->Rendered([](const comments::CommentPage& listed) {
                             v1::ListApprovedCommentsResponse reply;
                             for (const comments::Comment& comment : listed.comments) {
                               ToPublishedComment(comment, *reply.add_comments());
                             }
                             reply.set_next_page_token(listed.next_cursor);
                             return reply.SerializeAsString();
                           });
                       grpc::Slice slice(bytes);
                       *response = grpc::ByteBuffer(&slice, 1);
                       finisher_.Finish(context, reactor, absl::OkStatus(), kListApproved, start);
                     });
  return reactor;
}

}  // namespace moderation::api
