#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "client/portal/reader_error.h"
#include "moderation/v1/comment_service.grpc.pb.h"

namespace moderation::portal {

// How the portal reaches the service: like any production portal, over TLS
// with its own portal-role token when these are set.
struct BackendOptions {
  std::string server = "127.0.0.1:50051";
  std::string token;          // sent as "authorization: Bearer <token>"
  bool tls = false;           // TLS with the system's roots; implied by any file below
  std::string tls_ca_file;    // PEM roots that sign the service's certificate
  std::string tls_cert_file;  // client certificate (mutual TLS), with tls_key_file
  std::string tls_key_file;
  std::string tls_server_name;  // name in the service's certificate, if not the host
  std::chrono::milliseconds deadline{3000};
};

// The result of one call: the response, or what the reader is shown instead.
template <typename Response>
struct CallResult {
  bool ok = false;
  Response response;
  ReaderError error;  // when !ok
};

// The portal's calls to moderation.v1.CommentService. Each call has a
// deadline and carries the token. Thread-safe.
class CommentBackend {
 public:
  // INVALID_ARGUMENT for an unreadable TLS file or a certificate without its
  // key. Nothing is sent yet.
  static absl::StatusOr<std::unique_ptr<CommentBackend>> Connect(const BackendOptions& options);

  CallResult<v1::CreateCaptchaResponse> CreateCaptcha(const v1::CreateCaptchaRequest& request);
  CallResult<v1::RefreshCaptchaResponse> RefreshCaptcha(const v1::RefreshCaptchaRequest& request);
  CallResult<v1::SubmitCommentResponse> SubmitComment(const v1::SubmitCommentRequest& request);
  CallResult<v1::ListApprovedCommentsResponse> ListApprovedComments(
      const v1::ListApprovedCommentsRequest& request);

 private:
  CommentBackend(std::shared_ptr<grpc::Channel> channel, BackendOptions options);

  template <typename Request, typename Response, typename Method>
  CallResult<Response> Call(const char* name, Method method, const Request& request);

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::CommentService::Stub> stub_;
  BackendOptions options_;
};

}  // namespace moderation::portal
