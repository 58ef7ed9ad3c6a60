#pragma once

#include "moderation/v1/moderation_service.grpc.pb.h"
#include "service/api/call_finisher.h"
#include "service/auth/access_policy.h"
#include "service/crypto/crypto.h"
#include "service/moderation/audit_desk.h"
#include "service/moderation/ban_desk.h"
#include "service/moderation/moderation_desk.h"

namespace moderation::api {

// The moderators' ModerationService. Every method takes raw bytes and checks
// the caller's role before parsing them (see raw_messages.h); decisions and
// bans are recorded under the caller's name. A method added to the service
// without a handler here answers UNIMPLEMENTED, never unchecked.
class ModerationServiceHandler final
    : public v1::ModerationService::WithRawCallbackMethod_ListPending<
          v1::ModerationService::WithRawCallbackMethod_GetComment<
              v1::ModerationService::WithRawCallbackMethod_ApproveComment<
                  v1::ModerationService::WithRawCallbackMethod_RejectComment<
                      v1::ModerationService::WithRawCallbackMethod_CreateBan<
                          v1::ModerationService::WithRawCallbackMethod_DeleteBan<
                              v1::ModerationService::WithRawCallbackMethod_ListBans<
                                  v1::ModerationService::WithRawCallbackMethod_ClaimNext<
                                      v1::ModerationService::WithRawCallbackMethod_ReleaseClaim<
                                          v1::ModerationService::WithRawCallbackMethod_UndoDecision<
                                              v1::ModerationService::
                                                  WithRawCallbackMethod_ListAuditLog<
                                                      v1::ModerationService::
                                                          WithRawCallbackMethod_VerifyAuditLog<
                                                              v1::ModerationService::
                                                                  WithRawCallbackMethod_GetStats<
                                                                      v1::ModerationService::
                                                                          Service>>>>>>>>>>>>> {
 public:
  ModerationServiceHandler(ModerationDesk& desk, BanDesk& bans, AuditDesk& audit,
                           const crypto::FieldCipher& phone_cipher, const CallFinisher& finisher,
                           const auth::AccessPolicy& access);

  grpc::ServerUnaryReactor* ListPending(grpc::CallbackServerContext* context,
                                        const grpc::ByteBuffer* request,
                                        grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetComment(grpc::CallbackServerContext* context,
                                       const grpc::ByteBuffer* request,
                                       grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ApproveComment(grpc::CallbackServerContext* context,
                                           const grpc::ByteBuffer* request,
                                           grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* RejectComment(grpc::CallbackServerContext* context,
                                          const grpc::ByteBuffer* request,
                                          grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* CreateBan(grpc::CallbackServerContext* context,
                                      const grpc::ByteBuffer* request,
                                      grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* DeleteBan(grpc::CallbackServerContext* context,
                                      const grpc::ByteBuffer* request,
                                      grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ListBans(grpc::CallbackServerContext* context,
                                     const grpc::ByteBuffer* request,
                                     grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ClaimNext(grpc::CallbackServerContext* context,
                                      const grpc::ByteBuffer* request,
                                      grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ReleaseClaim(grpc::CallbackServerContext* context,
                                         const grpc::ByteBuffer* request,
                                         grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* UndoDecision(grpc::CallbackServerContext* context,
                                         const grpc::ByteBuffer* request,
                                         grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ListAuditLog(grpc::CallbackServerContext* context,
                                         const grpc::ByteBuffer* request,
                                         grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* VerifyAuditLog(grpc::CallbackServerContext* context,
                                           const grpc::ByteBuffer* request,
                                           grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetStats(grpc::CallbackServerContext* context,
                                     const grpc::ByteBuffer* request,
                                     grpc::ByteBuffer* response) override;

 private:
  // One call under way: what every step needs to finish it.
  struct Call {
    grpc::CallbackServerContext* context;
    grpc::ServerUnaryReactor* reactor;
    absl::string_view method;
    absl::Time start;
    std::string caller;  // the principal's name
  };

  // Checks that the caller holds `needed`, then parses `request` into `out`.
  // False, with the call finished (UNAUTHENTICATED, PERMISSION_DENIED or
  // INVALID_ARGUMENT), when either fails.
  bool Admit(Call& call, auth::Permission needed, const grpc::ByteBuffer& request,
             google::protobuf::Message& out) const;
  void Finish(const Call& call, const absl::Status& status) const;
  // Finishes `call` with the comment, as a response of type Response.
  template <typename Response>
  comments::Callback<comments::Comment> AnswerWithComment(Call call,
                                                          grpc::ByteBuffer* response) const;

  // The author histories of `comment` into `out`, each shown as the
  // moderator sees the author.
  static void AddHistories(const std::vector<comments::AuthorRecord>& records,
                           const v1::ModeratedComment& comment,
                           google::protobuf::RepeatedPtrField<v1::AuthorHistory>& out);

  ModerationDesk& desk_;
  BanDesk& bans_;
  AuditDesk& audit_;
  const crypto::FieldCipher& phone_cipher_;
  const CallFinisher& finisher_;
  const auth::AccessPolicy& access_;
};

}  // namespace moderation::api
