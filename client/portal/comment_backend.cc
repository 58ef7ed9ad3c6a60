#include "client/portal/comment_backend.h"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace moderation::portal {
namespace {

absl::StatusOr<std::string> ReadSettingFile(absl::string_view setting, const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return absl::InvalidArgumentError(
        absl::StrCat(setting, ": cannot read ", path, ": ", std::strerror(errno)));
  }
  std::stringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

int RetryAfterTrailer(const grpc::ClientContext& context) {
  const auto& trailers = context.GetServerTrailingMetadata();
  const auto found = trailers.find("retry-after");
  if (found == trailers.end()) {
    return 0;
  }
  int seconds = 0;
  const auto& value = found->second;
  const auto parsed = std::from_chars(value.data(), value.data() + value.size(), seconds);
  return parsed.ec == std::errc() && seconds > 0 ? seconds : 0;
}

}  // namespace

absl::StatusOr<std::unique_ptr<CommentBackend>> CommentBackend::Connect(
    const BackendOptions& options) {
  // A portal should find the service again within seconds of its restart:
  // gRPC's default reconnect backoff grows to two minutes, during which every
  // reader would see the service as down.
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 500);
  arguments.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 500);
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 5000);
  std::shared_ptr<grpc::Channel> channel;
  const bool tls = options.tls || !options.tls_ca_file.empty() || !options.tls_cert_file.empty() ||
                   !options.tls_key_file.empty();
  if (!tls) {
    channel =
        grpc::CreateCustomChannel(options.server, grpc::InsecureChannelCredentials(), arguments);
  } else {
    if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
      return absl::InvalidArgumentError("PORTAL_TLS_CERT and PORTAL_TLS_KEY go together");
    }
    grpc::SslCredentialsOptions ssl;
    if (!options.tls_ca_file.empty()) {
      absl::StatusOr<std::string> roots = ReadSettingFile("PORTAL_TLS_CA", options.tls_ca_file);
      if (!roots.ok()) {
        return roots.status();
      }
      ssl.pem_root_certs = *std::move(roots);
    }
    if (!options.tls_cert_file.empty()) {
      absl::StatusOr<std::string> cert = ReadSettingFile("PORTAL_TLS_CERT", options.tls_cert_file);
      if (!cert.ok()) {
        return cert.status();
      }
      absl::StatusOr<std::string> key = ReadSettingFile("PORTAL_TLS_KEY", options.tls_key_file);
      if (!key.ok()) {
        return key.status();
      }
      ssl.pem_cert_chain = *std::move(cert);
      ssl.pem_private_key = *std::move(key);
    }
    if (!options.tls_server_name.empty()) {
      arguments.SetSslTargetNameOverride(options.tls_server_name);
    }
    channel = grpc::CreateCustomChannel(options.server, grpc::SslCredentials(ssl), arguments);
  }
  return std::unique_ptr<CommentBackend>(new CommentBackend(std::move(channel), options));
}

CommentBackend::CommentBackend(std::shared_ptr<grpc::Channel> channel, BackendOptions options)
    : channel_(std::move(channel)),
      stub_(v1::CommentService::NewStub(channel_)),
      options_(std::move(options)) {}

template <typename Request, typename Response, typename Method>
CallResult<Response> CommentBackend::Call(const char* name, Method method, const Request& request) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + options_.deadline);
  if (!options_.token.empty()) {
    context.AddMetadata("authorization", absl::StrCat("Bearer ", options_.token));
  }
  CallResult<Response> result;
  const grpc::Status status = ((*stub_).*method)(&context, request, &result.response);
  result.ok = status.ok();
  if (!result.ok) {
    result.error = ToReaderError(status, RetryAfterTrailer(context));
    // Code and reason only: what the reader typed and their address stay out
    // of the log.
    std::cerr << "portal: " << name << " failed: " << result.error.log_summary << "\n";
  }
  return result;
}

CallResult<v1::CreateCaptchaResponse> CommentBackend::CreateCaptcha(
    const v1::CreateCaptchaRequest& request) {
  return Call<v1::CreateCaptchaRequest, v1::CreateCaptchaResponse>(
      "CreateCaptcha", &v1::CommentService::Stub::CreateCaptcha, request);
}

CallResult<v1::RefreshCaptchaResponse> CommentBackend::RefreshCaptcha(
    const v1::RefreshCaptchaRequest& request) {
  return Call<v1::RefreshCaptchaRequest, v1::RefreshCaptchaResponse>(
      "RefreshCaptcha", &v1::CommentService::Stub::RefreshCaptcha, request);
}

CallResult<v1::SubmitCommentResponse> CommentBackend::SubmitComment(
    const v1::SubmitCommentRequest& request) {
  return Call<v1::SubmitCommentRequest, v1::SubmitCommentResponse>(
      "SubmitComment", &v1::CommentService::Stub::SubmitComment, request);
}

CallResult<v1::ListApprovedCommentsResponse> CommentBackend::ListApprovedComments(
    const v1::ListApprovedCommentsRequest& request) {
  return Call<v1::ListApprovedCommentsRequest, v1::ListApprovedCommentsResponse>(
      "ListApprovedComments", &v1::CommentService::Stub::ListApprovedComments, request);
}

}  // namespace moderation::portal
