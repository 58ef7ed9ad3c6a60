#pragma once

#include "moderation/v1/comment_service.grpc.pb.h"
#include "service/api/call_finisher.h"
#include "service/auth/access_policy.h"
#include "service/moderation/public_feed.h"
#include "service/submission/captcha_issuance.h"
#include "service/submission/submission_pipeline.h"
#include "service/validation/submission_fields.h"

namespace moderation::api {

// The portal's CommentService. Every method takes raw bytes and parses them
// itself (see raw_messages.h), so invalid UTF-8 is answered INVALID_ARGUMENT
// naming the field; before that, the caller must hold the portal role.
class CommentServiceHandler final
    : public v1::CommentService::WithRawCallbackMethod_CreateCaptcha<
          v1::CommentService::WithRawCallbackMethod_RefreshCaptcha<
              v1::CommentService::WithRawCallbackMethod_SubmitComment<
                  v1::CommentService::WithRawCallbackMethod_ListApprovedComments<
                      v1::CommentService::Service>>>> {
 public:
  CommentServiceHandler(submission::CaptchaIssuance& captchas,
                        submission::SubmissionPipeline& submissions, PublicFeed& feed,
                        const CallFinisher& finisher, const auth::AccessPolicy& access,
                        const validation::FieldLimits& limits, bool dev_reveal_captcha);

  grpc::ServerUnaryReactor* CreateCaptcha(grpc::CallbackServerContext* context,
                                          const grpc::ByteBuffer* request,
                                          grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* RefreshCaptcha(grpc::CallbackServerContext* context,
                                           const grpc::ByteBuffer* request,
                                           grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* SubmitComment(grpc::CallbackServerContext* context,
                                          const grpc::ByteBuffer* request,
                                          grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ListApprovedComments(grpc::CallbackServerContext* context,
                                                 const grpc::ByteBuffer* request,
                                                 grpc::ByteBuffer* response) override;

 private:
  // False, with the call finished, when the caller may not use this service.
  bool Admit(grpc::CallbackServerContext* context, grpc::ServerUnaryReactor* reactor,
             absl::string_view method, absl::Time start) const;

  submission::CaptchaIssuance& captchas_;
  submission::SubmissionPipeline& submissions_;
  PublicFeed& feed_;
  const CallFinisher& finisher_;
  const auth::AccessPolicy& access_;
  // What a reader's address may be (client_ip on the captcha calls).
  const validation::FieldLimits limits_;
  const bool dev_reveal_captcha_;
};

}  // namespace moderation::api
