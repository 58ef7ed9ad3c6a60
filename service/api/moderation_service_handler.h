#pragma once

#include "moderation/v1/moderation_service.grpc.pb.h"
#include "service/crypto/crypto.h"
#include "service/moderation/moderation_desk.h"

namespace moderation::api {

// The moderators' ModerationService.
class ModerationServiceHandler final : public v1::ModerationService::CallbackService {
 public:
  ModerationServiceHandler(ModerationDesk& desk, const crypto::FieldCipher& phone_cipher);

  grpc::ServerUnaryReactor* ListPending(grpc::CallbackServerContext* context,
                                        const v1::ListPendingRequest* request,
                                        v1::ListPendingResponse* response) override;
  grpc::ServerUnaryReactor* GetComment(grpc::CallbackServerContext* context,
                                       const v1::GetCommentRequest* request,
                                       v1::GetCommentResponse* response) override;
  grpc::ServerUnaryReactor* ApproveComment(grpc::CallbackServerContext* context,
                                           const v1::ApproveCommentRequest* request,
                                           v1::ApproveCommentResponse* response) override;
  grpc::ServerUnaryReactor* RejectComment(grpc::CallbackServerContext* context,
                                          const v1::RejectCommentRequest* request,
                                          v1::RejectCommentResponse* response) override;

 private:
  ModerationDesk& desk_;
  const crypto::FieldCipher& phone_cipher_;
};

}  // namespace moderation::api
