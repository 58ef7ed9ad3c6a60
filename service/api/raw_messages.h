#pragma once

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/proto_buffer_reader.h>
#include <grpcpp/support/proto_buffer_writer.h>

#include "google/protobuf/message.h"
#include "service/common/errors.h"

// Requests are parsed by hand from raw bytes, after the caller's role is
// checked. Portal requests go into the lenient twins of
// proto/moderation/internal/wire.proto: protobuf would otherwise refuse a
// request with invalid UTF-8 as INTERNAL, logging a line each time, before any
// handler could name the field. Moderators' requests go into their own
// messages, so only an authorised caller gets a parse at all.
namespace moderation::api {

// False when the bytes are not a valid encoding of `Message` at all, and when
// the call carried no whole message: gRPC hands a unary handler an empty, not
// valid, buffer for a stream that ended before its message (none sent, or a
// length prefix claiming more than was sent), and that must not read as a
// request with every field left out.
template <typename Message>
[[nodiscard]] bool ParseRawRequest(const grpc::ByteBuffer& request, Message& out) {
  if (!request.Valid()) {
    return false;
  }
  grpc::ByteBuffer copy(request);  // shares the slices
  grpc::ProtoBufferReader reader(&copy);
  return out.ParseFromZeroCopyStream(&reader);
}

// The answer to bytes that ParseRawRequest refused.
inline absl::Status MalformedRequest() {
  return ErrorWithReason(absl::StatusCode::kInvalidArgument, "MALFORMED_REQUEST",
                         "Yêu cầu không hợp lệ.", "request is not a valid protobuf message");
}

inline void WriteRawResponse(const google::protobuf::Message& message, grpc::ByteBuffer& out) {
  bool own_buffer = false;
  // Serialising a message we built cannot fail.
  (void)grpc::SerializationTraits<google::protobuf::Message>::Serialize(message, &out, &own_buffer);
}

}  // namespace moderation::api
