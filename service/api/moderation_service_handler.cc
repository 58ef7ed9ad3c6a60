#include "service/api/moderation_service_handler.h"

#include "service/api/grpc_status.h"
#include "service/api/proto_conversions.h"

namespace moderation::api {
namespace {

// Until callers authenticate, decisions are recorded under this name.
constexpr absl::string_view kUnidentifiedModerator = "unidentified";

// Finishes a call whose answer is one comment.
template <typename Response>
comments::Callback<comments::Comment> AnswerWithComment(grpc::CallbackServerContext* context,
                                                        grpc::ServerUnaryReactor* reactor,
                                                        Response* response,
                                                        const crypto::FieldCipher& phone_cipher,
                                                        absl::string_view method) {
  return [context, reactor, response, &phone_cipher,
          method](absl::StatusOr<comments::Comment> comment) {
    if (!comment.ok()) {
      Finish(context, reactor, comment.status(), method);
      return;
    }
    ToModeratedComment(*comment, phone_cipher, *response->mutable_comment());
    reactor->Finish(grpc::Status::OK);
  };
}

}  // namespace

ModerationServiceHandler::ModerationServiceHandler(ModerationDesk& desk,
                                                   const crypto::FieldCipher& phone_cipher)
    : desk_(desk), phone_cipher_(phone_cipher) {}

grpc::ServerUnaryReactor* ModerationServiceHandler::ListPending(
    grpc::CallbackServerContext* context, const v1::ListPendingRequest* request,
    v1::ListPendingResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  desk_.ListPending(request->page_size(), request->page_token(),
                    [this, context, reactor, response](absl::StatusOr<comments::CommentPage> page) {
                      if (!page.ok()) {
                        Finish(context, reactor, page.status(), "ListPending");
                        return;
                      }
                      for (const comments::Comment& comment : page->comments) {
                        ToModeratedComment(comment, phone_cipher_, *response->add_comments());
                      }
                      response->set_next_page_token(page->next_cursor);
                      response->set_total_pending(page->total);
                      reactor->Finish(grpc::Status::OK);
                    });
  return reactor;
}

grpc::ServerUnaryReactor* ModerationServiceHandler::GetComment(
    grpc::CallbackServerContext* context, const v1::GetCommentRequest* request,
    v1::GetCommentResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  desk_.Get(request->comment_id(),
            AnswerWithComment(context, reactor, response, phone_cipher_, "GetComment"));
  return reactor;
}

grpc::ServerUnaryReactor* ModerationServiceHandler::ApproveComment(
    grpc::CallbackServerContext* context, const v1::ApproveCommentRequest* request,
    v1::ApproveCommentResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  desk_.Approve(request->comment_id(), request->note(), std::string(kUnidentifiedModerator),
                AnswerWithComment(context, reactor, response, phone_cipher_, "ApproveComment"));
  return reactor;
}

grpc::ServerUnaryReactor* ModerationServiceHandler::RejectComment(
    grpc::CallbackServerContext* context, const v1::RejectCommentRequest* request,
    v1::RejectCommentResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  desk_.Reject(request->comment_id(), FromProto(request->reason()), request->note(),
               std::string(kUnidentifiedModerator),
               AnswerWithComment(context, reactor, response, phone_cipher_, "RejectComment"));
  return reactor;
}

}  // namespace moderation::api
