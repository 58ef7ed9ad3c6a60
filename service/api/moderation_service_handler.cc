#include "service/api/moderation_service_handler.h"

#include "absl/time/clock.h"
#include "service/api/grpc_status.h"
#include "service/api/proto_conversions.h"

namespace moderation::api {
namespace {

// Until callers authenticate, decisions are recorded under this name.
constexpr absl::string_view kUnidentifiedModerator = "unidentified";

// Finishes a call whose answer is one comment.
template <typename Response>
comments::Callback<comments::Comment> AnswerWithComment(
    grpc::CallbackServerContext* context, grpc::ServerUnaryReactor* reactor, Response* response,
    const crypto::FieldCipher& phone_cipher, const CallFinisher& finisher, absl::string_view method,
    absl::Time start) {
  return [context, reactor, response, &phone_cipher, &finisher, method,
          start](absl::StatusOr<comments::Comment> comment) {
    if (!comment.ok()) {
      finisher.Finish(context, reactor, comment.status(), method, start);
      return;
    }
    ToModeratedComment(*comment, phone_cipher, *response->mutable_comment());
    finisher.Finish(context, reactor, absl::OkStatus(), method, start);
  };
}

}  // namespace

ModerationServiceHandler::ModerationServiceHandler(ModerationDesk& desk, BanDesk& bans,
                                                   const crypto::FieldCipher& phone_cipher,
                                                   const CallFinisher& finisher)
    : desk_(desk), bans_(bans), phone_cipher_(phone_cipher), finisher_(finisher) {}

grpc::ServerUnaryReactor* ModerationServiceHandler::ListPending(
    grpc::CallbackServerContext* context, const v1::ListPendingRequest* request,
    v1::ListPendingResponse* response) {
  const absl::Time start = absl::Now();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  desk_.ListPending(
      request->page_size(), request->page_token(),
      [this, context, reactor, response, start](absl::StatusOr<comments::CommentPage> page) {
        if (!page.ok()) {
          finisher_.Finish(context, reactor, page.status(), "ListPending", start);
          return;
        }
        for (const comments::Comment& comment : page->comments) {
          ToModeratedComment(comment, phone_cipher_, *response->add_comments());
        }
        response->set_next_page_token(page->next_cursor);
        response->set_total_pending(page->total);
        finisher_.Finish(context, reactor, absl::OkStatus(), "ListPending", start);
      });
  return reactor;
}

grpc::ServerUnaryReactor* ModerationServiceHandler::GetComment(grpc::CallbackServerContext* context,
                                                               const v1::GetCommentRequest* request,
                                                               v1::GetCommentResponse* response) {
  const absl::Time start = absl::Now();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  desk_.Get(request->comment_id(), AnswerWithComment(context, reactor, response, phone_cipher_,
                                                     finisher_, "GetComment", start));
  return reactor;
}

grpc::ServerUnaryReactor* ModerationServiceHandler::ApproveComment(
    grpc::CallbackServerContext* context, const v1::ApproveCommentRequest* request,
    v1::ApproveCommentResponse* response) {
  const absl::Time start = absl::Now();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  desk_.Approve(request->comment_id(), request->note(), std::string(kUnidentifiedModerator),
                AnswerWithComment(context, reactor, response, phone_cipher_, finisher_,
                                  "ApproveComment", start));
  return reactor;
}

grpc::ServerUnaryReactor* ModerationServiceHandler::RejectComment(
    grpc::CallbackServerContext* context, const v1::RejectCommentRequest* request,
    v1::RejectCommentResponse* response) {
  const absl::Time start = absl::Now();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  desk_.Reject(request->comment_id(), FromProto(request->reason()), request->note(),
               std::string(kUnidentifiedModerator),
               AnswerWithComment(context, reactor, response, phone_cipher_, finisher_,
                                 "RejectComment", start));
  return reactor;
}

grpc::ServerUnaryReactor* ModerationServiceHandler::CreateBan(grpc::CallbackServerContext* context,
                                                              const v1::CreateBanRequest* request,
                                                              v1::CreateBanResponse* response) {
  const absl::Time start = absl::Now();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  BanOrder order{
      .ip_address = request->ip_address(),
      .ip_prefix = request->ip_prefix(),
      .phone = request->phone(),
      .comment_id = request->comment_id(),
      .reason = request->reason(),
      .duration = absl::Seconds(request->duration().seconds()) +
                  absl::Nanoseconds(request->duration().nanos()),
      .moderator = std::string(kUnidentifiedModerator),
  };
  bans_.Create(std::move(order), [this, context, reactor, response,
                                  start](absl::StatusOr<std::vector<bans::Ban>> made) {
    if (!made.ok()) {
      finisher_.Finish(context, reactor, made.status(), "CreateBan", start);
      return;
    }
    for (const bans::Ban& ban : *made) {
      ToProtoBan(ban, *response->add_bans());
    }
    finisher_.Finish(context, reactor, absl::OkStatus(), "CreateBan", start);
  });
  return reactor;
}

grpc::ServerUnaryReactor* ModerationServiceHandler::DeleteBan(grpc::CallbackServerContext* context,
                                                              const v1::DeleteBanRequest* request,
                                                              v1::DeleteBanResponse* /*response*/) {
  const absl::Time start = absl::Now();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  bans_.Delete(request->ban_id(), [this, context, reactor, start](absl::Status deleted) {
    finisher_.Finish(context, reactor, deleted, "DeleteBan", start);
  });
  return reactor;
}

grpc::ServerUnaryReactor* ModerationServiceHandler::ListBans(grpc::CallbackServerContext* context,
                                                             const v1::ListBansRequest* request,
                                                             v1::ListBansResponse* response) {
  const absl::Time start = absl::Now();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  bans_.List(request->page_size(), request->page_token(),
             [this, context, reactor, response, start](absl::StatusOr<BanPage> page) {
               if (!page.ok()) {
                 finisher_.Finish(context, reactor, page.status(), "ListBans", start);
                 return;
               }
               for (const bans::Ban& ban : page->bans) {
                 ToProtoBan(ban, *response->add_bans());
               }
               response->set_next_page_token(page->next_page_token);
               finisher_.Finish(context, reactor, absl::OkStatus(), "ListBans", start);
             });
  return reactor;
}

}  // namespace moderation::api
