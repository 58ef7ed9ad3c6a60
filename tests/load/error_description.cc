#include "tests/load/error_description.h"

#include <google/protobuf/any.pb.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include "moderation/v1/errors.pb.h"
#include "tests/load/call_stats.h"

namespace moderation::loadgen {
namespace {

using google::protobuf::internal::WireFormatLite;

// google.rpc.Status is not among the generated messages available here, and
// only its `details` field (3, repeated Any) is needed, so it is read off the
// wire directly.
bool FindErrorDetail(const std::string& status_bytes, moderation::v1::ErrorDetail* detail) {
  google::protobuf::io::CodedInputStream input(
      reinterpret_cast<const uint8_t*>(status_bytes.data()), static_cast<int>(status_bytes.size()));
  constexpr int kDetailsField = 3;
  while (const uint32_t tag = input.ReadTag()) {
    if (WireFormatLite::GetTagFieldNumber(tag) == kDetailsField &&
        WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      std::string any_bytes;
      google::protobuf::Any any;
      if (!WireFormatLite::ReadBytes(&input, &any_bytes) || !any.ParseFromString(any_bytes)) {
        return false;
      }
      if (any.UnpackTo(detail)) {
        return true;
      }
    } else if (!WireFormatLite::SkipField(&input, tag)) {
      return false;
    }
  }
  return false;
}

}  // namespace

std::string OutcomeLabel(const grpc::Status& status) {
  std::string label = StatusCodeName(status.error_code());
  moderation::v1::ErrorDetail detail;
  if (status.error_details().empty() || !FindErrorDetail(status.error_details(), &detail)) {
    return label;
  }
  if (detail.field_violations().empty()) {
    return label + " " + detail.reason();
  }
  for (const moderation::v1::FieldViolation& violation : detail.field_violations()) {
    label += " " + violation.field() + "=" + violation.reason();
  }
  return label;
}

std::string DescribeError(const grpc::Status& status) {
  std::string text = status.error_message();
  moderation::v1::ErrorDetail detail;
  if (status.error_details().empty() || !FindErrorDetail(status.error_details(), &detail)) {
    return text;
  }
  text += " [" + detail.reason();
  for (const moderation::v1::FieldViolation& violation : detail.field_violations()) {
    text += " " + violation.field() + "=" + violation.reason();
  }
  text += "]";
  return text;
}

}  // namespace moderation::loadgen
