#include "client/modctl/health.h"

#include <grpcpp/generic/generic_stub.h>

#include "absl/strings/str_cat.h"

namespace moderation::modctl {
namespace {

// The health messages are tiny; writing them by hand spares a generated stub
// that Debian does not ship. HealthCheckRequest{service = 1: string};
// HealthCheckResponse{status = 1: enum}, SERVING = 1.
std::string EncodeRequest(const std::string& service) {
  if (service.empty()) {
    return "";
  }
  std::string encoded = "\x0a";
  std::size_t length = service.size();
  while (length >= 0x80) {
    encoded.push_back(static_cast<char>((length & 0x7f) | 0x80));
    length >>= 7;
  }
  encoded.push_back(static_cast<char>(length));
  return encoded + service;
}

}  // namespace

ExitCode RunHealth(const std::shared_ptr<grpc::Channel>& channel, const CallSettings& call,
                   const std::string& service, std::ostream& out, std::ostream& err) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(call.timeout));
  const std::string request_bytes = EncodeRequest(service);
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::Status status;
  grpc::CompletionQueue queue;
  std::unique_ptr<grpc::GenericClientAsyncResponseReader> reader =
      stub.PrepareUnaryCall(&context, "/grpc.health.v1.Health/Check", request, &queue);
  reader->StartCall();
  reader->Finish(&response, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  queue.Next(&tag, &ok);
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
  if (!status.ok()) {
    err << "error: " << status.error_code() << ": " << status.error_message() << "\n";
    return status.error_code() == grpc::StatusCode::NOT_FOUND ? kExitFailed : kExitUnreachable;
  }
  std::vector<grpc::Slice> slices;
  (void)response.Dump(&slices);
  std::string bytes;
  for (const grpc::Slice& part : slices) {
    bytes.append(reinterpret_cast<const char*>(part.begin()), part.size());
  }
  const bool serving = bytes.size() == 2 && bytes[0] == 0x08 && bytes[1] == 0x01;
  out << (serving ? "SERVING" : "NOT_SERVING") << "\n";
  return serving ? kExitOk : kExitFailed;
}

}  // namespace moderation::modctl
