#include "service/api/moderation_service_handler.h"

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "service/api/call_auth.h"
#include "service/api/grpc_status.h"
#include "service/api/proto_conversions.h"
#include "service/api/raw_messages.h"

namespace moderation::api {

ModerationServiceHandler::ModerationServiceHandler(ModerationDesk& desk, BanDesk& bans,
                                                   AuditDesk& audit,
                                                   const crypto::FieldCipher& phone_cipher,
                                                   const CallFinisher& finisher,
                                                   const auth::AccessPolicy& access)
    : desk_(desk),
      bans_(bans),
      audit_(audit),
      phone_cipher_(phone_cipher),
      finisher_(finisher),
      access_(access) {}

void ModerationServiceHandler::AddHistories(
    const std::vector<comments::AuthorRecord>& records, const v1::ModeratedComment& comment,
    google::protobuf::RepeatedPtrField<v1::AuthorHistory>& out) {
  for (const comments::AuthorRecord& record : records) {
    const bool by_phone = absl::StartsWith(record.author_key, "ph-");
    ToAuthorHistory(record, by_phone ? comment.phone_masked() : comment.client_network(),
                    *out.Add());
  }
}

bool ModerationServiceHandler::Admit(Call& call, auth::Permission needed,
                                     const grpc::ByteBuffer& request,
                                     google::protobuf::Message& out) const {
  if (absl::Status admitted = finisher_.Admission(*call.context); !admitted.ok()) {
    Finish(call, admitted);
    return false;
  }
  absl::StatusOr<auth::Principal> caller = AuthorizeCall(*call.context, access_, needed);
  if (!caller.ok()) {
    Finish(call, caller.status());
    return false;
  }
  call.caller = std::move(caller->name);
  if (!ParseRawRequest(request, out)) {
    Finish(call, MalformedRequest());
    return false;
  }
  return true;
}

void ModerationServiceHandler::Finish(const Call& call, const absl::Status& status) const {
  finisher_.Finish(call.context, call.reactor, status, call.method, call.start, call.caller);
}

template <typename Response>
comments::Callback<comments::Comment> ModerationServiceHandler::AnswerWithComment(
    Call call, grpc::ByteBuffer* response) const {
  return [this, call = std::move(call), response](absl::StatusOr<comments::Comment> comment) {
    if (!comment.ok()) {
      Finish(call, comment.status());
      return;
    }
    Response reply;
    ToModeratedComment(*comment, phone_cipher_, *reply.mutable_comment());
    WriteRawResponse(reply, *response);
    Finish(call, absl::OkStatus());
  };
}

grpc::ServerUnaryReactor* ModerationServiceHandler::ListPending(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  Call call{context, context->DefaultReactor(), "ListPending", absl::Now(), ""};
  v1::ListPendingRequest parsed;
  if (!Admit(call, auth::Permission::kModerate, *request, parsed)) {
    return call.reactor;
  }
  grpc::ServerUnaryReactor* reactor = call.reactor;
  desk_.ListPending(
      FromProto(parsed.filter()), parsed.page_size(), parsed.page_token(),
      [this, call = std::move(call), response](absl::StatusOr<comments::CommentPage> page) {
        if (!page.ok()) {
          Finish(call, page.status());
          return;
        }
        v1::ListPendingResponse reply;
        for (const comments::Comment& comment : page->comments) {
          ToModeratedComment(comment, phone_cipher_, *reply.add_comments());
        }
        reply.set_next_page_token(page->next_cursor);
        reply.set_total_pending(page->total);
        WriteRawResponse(reply, *response);
        Finish(call, absl::OkStatus());
      });
  return reactor;
}

grpc::ServerUnaryReactor* ModerationServiceHandler::GetComment(grpc::CallbackServerContext* context,
                                                               const grpc::ByteBuffer* request,
                                                               grpc::ByteBuffer* response) {
  Call call{context, context->DefaultReactor(), "GetComment", absl::Now(), ""};
  v1::GetCommentRequest parsed;
  if (!Admit(call, auth::Permission::kModerate, *request, parsed)) {
    return call.reactor;
  }
  grpc::ServerUnaryReactor* reactor = call.reactor;
  desk_.Show(parsed.comment_id(),
             [this, call = std::move(call), response](absl::StatusOr<CommentView> view) {
               if (!view.ok()) {
                 Finish(call, view.status());
                 return;
               }
               v1::GetCommentResponse reply;
               ToModeratedComment(view->comment, phone_cipher_, *reply.mutable_comment());
               AddHistories(view->author_history, reply.comment(), *reply.mutable_author_history());
               for (const audit::Entry& entry : view->audit_entries) {
                 ToAuditEntry(entry, *reply.add_audit_entries());
               }
               WriteRawResponse(reply, *response);
               Finish(call, absl::OkStatus());
             });
  return reactor;
}

grpc::ServerUnaryReactor* ModerationServiceHandler::ApproveComment(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  Call call{context, context->DefaultReactor(), "ApproveComment", absl::Now(), ""};
  v1::ApproveCommentRequest parsed;
  if (!Admit(call, auth::Permission::kModerate, *request, parsed)) {
    return call.reactor;
  }
  grpc::ServerUnaryReactor* reactor = call.reactor;
  // A copy: the callback below takes `call` over, and the order in which
  // arguments are evaluated is unspecified.
  const std::string moderator = call.caller;
  desk_.Approve(parsed.comment_id(), parsed.note(), moderator,
                AnswerWithComment<v1::ApproveCommentResponse>(std::move(call), response));
  return reactor;
}

grpc::ServerUnaryReactor* ModerationServiceHandler::RejectComment(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  Call call{context, context->DefaultReactor(), "RejectComment", absl::Now(), ""};
  v1::RejectCommentRequest parsed;
  if (!Admit(call, auth::Permission::kModerate, *request, parsed)) {
    return call.reactor;
  }
  grpc::ServerUnaryReactor* reactor = call.reactor;
  // A value from a newer proto than ours is not a missing one.
  if (parsed.reason() != v1::REJECTION_REASON_UNSPECIFIED && !FromProto(parsed.reason())) {
    Finish(call, InvalidFields({{"reason", "INVALID_VALUE", "Lý do từ chối không hợp lệ."}}));
    return reactor;
  }
  const std::string moderator = call.caller;  // as in ApproveComment
  desk_.Reject(parsed.comment_id(), FromProto(parsed.reason()), parsed.note(), moderator,
               AnswerWithComment<v1::RejectCommentResponse>(std::move(call), response));
  return reactor;
}

grpc::ServerUnaryReactor* ModerationServiceHandler::CreateBan(grpc::CallbackServerContext* context,
                                                              const grpc::ByteBuffer* request,
                                                              grpc::ByteBuffer* response) {
  Call call{context, context->DefaultReactor(), "CreateBan", absl::Now(), ""};
  v1::CreateBanRequest parsed;
  if (!Admit(call, auth::Permission::kAdminister, *request, parsed)) {
    return call.reactor;
  }
  grpc::ServerUnaryReactor* reactor = call.reactor;
  BanOrder order{
      .ip_address = parsed.ip_address(),
      .ip_prefix = parsed.ip_prefix(),
      .phone = parsed.phone(),
      .comment_id = parsed.comment_id(),
      .reason = parsed.reason(),
      .duration =
          absl::Seconds(parsed.duration().seconds()) + absl::Nanoseconds(parsed.duration().nanos()),
      .moderator = call.caller,
      .reject_pending = parsed.reject_pending(),
      .reject_reason = FromProto(parsed.reject_reason()),
  };
  bans_.CreateAndReject(std::move(order),
                        [this, call = std::move(call), response](absl::StatusOr<BanOutcome> made) {
                          if (!made.ok()) {
                            Finish(call, made.status());
                            return;
                          }
                          v1::CreateBanResponse reply;
                          for (const bans::Ban& ban : made->bans) {
                            ToProtoBan(ban, *reply.add_bans());
                          }
                          for (const std::string& id : made->rejected_comment_ids) {
                            reply.add_rejected_comment_ids(id);
                          }
                          WriteRawResponse(reply, *response);
                          Finish(call, absl::OkStatus());
                        });
  return reactor;
}

grpc::ServerUnaryReactor* ModerationServiceHandler::DeleteBan(grpc::CallbackServerContext* context,
                                                              const grpc::ByteBuffer* request,
                                                              grpc::ByteBuffer* response) {
  Call call{context, context->DefaultReactor(), "DeleteBan", absl::Now(), ""};
  v1::DeleteBanRequest parsed;
  if (!Admit(call, auth::Permission::kAdminister, *request, parsed)) {
    return call.reactor;
  }
  grpc::ServerUnaryReactor* reactor = call.reactor;
  const std::string moderator = call.caller;  // as in ApproveComment
  bans_.Delete(parsed.ban_id(), moderator,
               [this, call = std::move(call), response](const absl::Status& deleted) {
                 if (deleted.ok()) {
                   WriteRawResponse(v1::DeleteBanResponse(), *response);
                 }
                 Finish(call, deleted);
               });
  return reactor;
}

grpc::ServerUnaryReactor* ModerationServiceHandler::ListBans(grpc::CallbackServerContext* context,
                                                             const grpc::ByteBuffer* request,
                                                             grpc::ByteBuffer* response) {
  Call call{context, context->DefaultReactor(), "ListBans", absl::Now(), ""};
  v1::ListBansRequest parsed;
  if (!Admit(call, auth::Permission::kModerate, *request, parsed)) {
    return call.reactor;
  }
  grpc::ServerUnaryReactor* reactor = call.reactor;
  bans_.List(parsed.page_size(), parsed.page_token(),
             [this, call = std::move(call), response](absl::StatusOr<BanPage> page) {
               if (!page.ok()) {
                 Finish(call, page.status());
                 return;
               }
               v1::ListBansResponse reply;
               for (const bans::Ban& ban : page->bans) {
                 ToProtoBan(ban, *reply.add_bans());
               }
               reply.set_next_page_token(page->next_page_token);
               WriteRawResponse(reply, *response);
               Finish(call, absl::OkStatus());
             });
  return reactor;
}

grpc::ServerUnaryReactor* ModerationServiceHandler::ClaimNext(grpc::CallbackServerContext* context,
                                                              const grpc::ByteBuffer* request,
                                                              grpc::ByteBuffer* response) {
  Call call{context, context->DefaultReactor(), "ClaimNext", absl::Now(), ""};
  v1::ClaimNextRequest parsed;
  if (!Admit(call, auth::Permission::kModerate, *request, parsed)) {
    return call.reactor;
  }
  grpc::ServerUnaryReactor* reactor = call.reactor;
  const std::string moderator = call.caller;  // as in ApproveComment
  desk_.ClaimNext(
      FromProto(parsed.filter()), parsed.release_comment_id(),
      {parsed.exclude_comment_ids().begin(), parsed.exclude_comment_ids().end()},
      parsed.session_id(), moderator,
      [this, call = std::move(call), response](absl::StatusOr<ClaimView> view) {
        if (!view.ok()) {
          Finish(call, view.status());
          return;
        }
        v1::ClaimNextResponse reply;
        reply.set_total_pending(view->claim.total_pending);
        if (view->claim.comment) {
          ToModeratedComment(*view->claim.comment, phone_cipher_, *reply.mutable_comment());
          SetTimestamp(view->claim.expire_time, *reply.mutable_claim_expire_time());
          AddHistories(view->author_history, reply.comment(), *reply.mutable_author_history());
        }
        WriteRawResponse(reply, *response);
        Finish(call, absl::OkStatus());
      });
  return reactor;
}

grpc::ServerUnaryReactor* ModerationServiceHandler::ReleaseClaim(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  Call call{context, context->DefaultReactor(), "ReleaseClaim", absl::Now(), ""};
  v1::ReleaseClaimRequest parsed;
  if (!Admit(call, auth::Permission::kModerate, *request, parsed)) {
    return call.reactor;
  }
  grpc::ServerUnaryReactor* reactor = call.reactor;
  const std::string moderator = call.caller;  // as in ApproveComment
  desk_.ReleaseClaim(parsed.comment_id(), moderator,
                     [this, call = std::move(call), response](absl::StatusOr<bool> released) {
                       if (!released.ok()) {
                         Finish(call, released.status());
                         return;
                       }
                       v1::ReleaseClaimResponse reply;
                       reply.set_released(*released);
                       WriteRawResponse(reply, *response);
                       Finish(call, absl::OkStatus());
                     });
  return reactor;
}

grpc::ServerUnaryReactor* ModerationServiceHandler::UndoDecision(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  Call call{context, context->DefaultReactor(), "UndoDecision", absl::Now(), ""};
  v1::UndoDecisionRequest parsed;
  if (!Admit(call, auth::Permission::kModerate, *request, parsed)) {
    return call.reactor;
  }
  grpc::ServerUnaryReactor* reactor = call.reactor;
  const std::string moderator = call.caller;  // as in ApproveComment
  desk_.Undo(parsed.comment_id(), parsed.session_id(), moderator,
             AnswerWithComment<v1::UndoDecisionResponse>(std::move(call), response));
  return reactor;
}

grpc::ServerUnaryReactor* ModerationServiceHandler::ListAuditLog(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  Call call{context, context->DefaultReactor(), "ListAuditLog", absl::Now(), ""};
  v1::ListAuditLogRequest parsed;
  if (!Admit(call, auth::Permission::kModerate, *request, parsed)) {
    return call.reactor;
  }
  grpc::ServerUnaryReactor* reactor = call.reactor;
  AuditFilter filter;
  filter.moderator = parsed.moderator();
  filter.comment_id = parsed.comment_id();
  if (parsed.has_start_time()) {
    filter.start = FromProto(parsed.start_time());
  }
  if (parsed.has_end_time()) {
    filter.end = FromProto(parsed.end_time());
  }
  audit_.List(filter, parsed.page_size(), parsed.page_token(),
              [this, call = std::move(call), response](absl::StatusOr<audit::Page> page) {
                if (!page.ok()) {
                  Finish(call, page.status());
                  return;
                }
                v1::ListAuditLogResponse reply;
                for (const audit::Entry& entry : page->entries) {
                  ToAuditEntry(entry, *reply.add_entries());
                }
                reply.set_next_page_token(page->next_page_token);
                WriteRawResponse(reply, *response);
                Finish(call, absl::OkStatus());
              });
  return reactor;
}

grpc::ServerUnaryReactor* ModerationServiceHandler::VerifyAuditLog(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  Call call{context, context->DefaultReactor(), "VerifyAuditLog", absl::Now(), ""};
  v1::VerifyAuditLogRequest parsed;
  if (!Admit(call, auth::Permission::kAdminister, *request, parsed)) {
    return call.reactor;
  }
  grpc::ServerUnaryReactor* reactor = call.reactor;
  audit_.Verify(
      [this, call = std::move(call), response](absl::StatusOr<audit::Verification> verification) {
        if (!verification.ok()) {
          Finish(call, verification.status());
          return;
        }
        v1::VerifyAuditLogResponse reply;
        ToVerifyResponse(*verification, reply);
        WriteRawResponse(reply, *response);
        Finish(call, absl::OkStatus());
      });
  return reactor;
}

grpc::ServerUnaryReactor* ModerationServiceHandler::GetStats(grpc::CallbackServerContext* context,
                                                             const grpc::ByteBuffer* request,
                                                             grpc::ByteBuffer* response) {
  Call call{context, context->DefaultReactor(), "GetStats", absl::Now(), ""};
  v1::GetStatsRequest parsed;
  if (!Admit(call, auth::Permission::kModerate, *request, parsed)) {
    return call.reactor;
  }
  grpc::ServerUnaryReactor* reactor = call.reactor;
  audit_.Stats(FromProto(parsed.period()),
               [this, call = std::move(call), response](absl::StatusOr<Figures> figures) {
                 if (!figures.ok()) {
                   Finish(call, figures.status());
                   return;
                 }
                 v1::GetStatsResponse reply;
                 ToStatsResponse(*figures, reply);
                 WriteRawResponse(reply, *response);
                 Finish(call, absl::OkStatus());
               });
  return reactor;
}

}  // namespace moderation::api
