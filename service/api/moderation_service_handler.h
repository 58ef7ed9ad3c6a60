#pragma once

#include "moderation/v1/moderation_service.grpc.pb.h"
#include "service/api/call_finisher.h"
#include "service/crypto/crypto.h"
#include "service/moderation/ban_desk.h"
#include "service/moderation/moderation_desk.h"

namespace moderation::api {

// The moderators' ModerationService.
class ModerationServiceHandler final : public v1::ModerationService::CallbackService {
 public:
  ModerationServiceHandler(ModerationDesk& desk, BanDesk& bans,
                           const crypto::FieldCipher& phone_cipher, const CallFinisher& finisher);

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
  grpc::ServerUnaryReactor* CreateBan(grpc::CallbackServerContext* context,
                                      const v1::CreateBanRequest* request,
                                      v1::CreateBanResponse* response) override;
  grpc::ServerUnaryReactor* DeleteBan(grpc::CallbackServerContext* context,
                                      const v1::DeleteBanRequest* request,
                                      v1::DeleteBanResponse* response) override;
  grpc::ServerUnaryReactor* ListBans(grpc::CallbackServerContext* context,
                                     const v1::ListBansRequest* request,
                                     v1::ListBansResponse* response) override;

 private:
  ModerationDesk& desk_;
  BanDesk& bans_;
  const crypto::FieldCipher& phone_cipher_;
  const CallFinisher& finisher_;
};

}  // namespace moderation::api
