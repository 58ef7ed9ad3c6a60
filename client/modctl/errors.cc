#include "client/modctl/errors.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "client/modctl/display_text.h"
#include "moderation/internal/wire.pb.h"

namespace moderation::modctl {
namespace {

std::string OneLine(absl::string_view text) {
  return SanitizeForTerminal(text, LineBreaks::kReplace);
}

}  // namespace

CallError DescribeError(const grpc::Status& status) {
  CallError error;
  error.code = status.error_code();
  error.message = status.error_message();
  internal::RpcStatus rpc_status;
  if (status.error_details().empty() || !rpc_status.ParseFromString(status.error_details())) {
    return error;
  }
  for (const google::protobuf::Any& any : rpc_status.details()) {
    v1::ErrorDetail detail;
    if (any.Is<v1::ErrorDetail>() && any.UnpackTo(&detail)) {
      error.detail = std::move(detail);
      break;
    }
  }
  return error;
}

std::string StatusCodeName(grpc::StatusCode code) {
  // gRPC and absl share the canonical code numbers.
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

std::string FormatError(const CallError& error) {
  std::string out = absl::StrCat(StatusCodeName(error.code), ": ", OneLine(error.message), "\n");
  if (!error.detail.has_value()) {
    return out;
  }
  const v1::ErrorDetail& detail = *error.detail;
  if (!detail.reason().empty()) {
    absl::StrAppend(&out, "  reason: ", OneLine(detail.reason()), "\n");
  }
  if (!detail.message().empty()) {
    absl::StrAppend(&out, "  message: ", OneLine(detail.message()), "\n");
  }
  for (const v1::FieldViolation& violation : detail.field_violations()) {
    absl::StrAppend(&out, "  field ", OneLine(violation.field()), ": ", OneLine(violation.reason()),
                    ": ", OneLine(violation.message()), "\n");
  }
  if (detail.has_retry_after()) {
    const absl::Duration wait = absl::Seconds(detail.retry_after().seconds()) +
                                absl::Nanoseconds(detail.retry_after().nanos());
    absl::StrAppend(&out, "  retry after: ", absl::FormatDuration(wait), "\n");
  }
  return out;
}

ExitCode ExitCodeFor(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return kExitOk;
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return kExitUnreachable;
    default:
      return kExitFailed;
  }
}

}  // namespace moderation::modctl
