#include "client/portal/reader_error.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "moderation/internal/wire.pb.h"
#include "moderation/v1/errors.pb.h"

namespace moderation::portal {
namespace {

constexpr char kTryLater[] = "Hệ thống bình luận đang tạm gián đoạn. Vui lòng thử lại sau.";
constexpr char kOutOfService[] =
    "Chức năng bình luận tạm thời không hoạt động. Xin lỗi bạn vì sự bất tiện này.";
constexpr char kMaybeSent[] =
    "Hệ thống phản hồi chậm nên chưa rõ bình luận đã được gửi hay chưa. Bạn có thể gửi lại: "
    "bình luận sẽ không bị đăng hai lần.";
constexpr char kCheckFields[] = "Vui lòng kiểm tra lại các thông tin đã nhập.";

const char* CodeName(grpc::StatusCode code) {
  static constexpr const char* kNames[] = {"OK",
                                           "CANCELLED",
                                           "UNKNOWN",
                                           "INVALID_ARGUMENT",
                                           "DEADLINE_EXCEEDED",
                                           "NOT_FOUND",
                                           "ALREADY_EXISTS",
                                           "PERMISSION_DENIED",
                                           "RESOURCE_EXHAUSTED",
                                           "FAILED_PRECONDITION",
                                           "ABORTED",
                                           "OUT_OF_RANGE",
                                           "UNIMPLEMENTED",
                                           "INTERNAL",
                                           "UNAVAILABLE",
                                           "DATA_LOSS",
                                           "UNAUTHENTICATED"};
  const auto index = static_cast<std::size_t>(code);
  return index < std::size(kNames) ? kNames[index] : "UNKNOWN";
}

v1::ErrorDetail DetailOf(const grpc::Status& status) {
  internal::RpcStatus rpc_status;
  v1::ErrorDetail detail;
  if (!status.error_details().empty() && rpc_status.ParseFromString(status.error_details())) {
    for (const auto& any : rpc_status.details()) {
      if (any.UnpackTo(&detail)) {
        break;
      }
    }
  }
  return detail;
}

}  // namespace

std::string FormFieldOf(const std::string& request_field) {
  if (request_field == "captcha_id") {
    return "captcha_answer";
  }
  if (request_field == "altcha_payload") {
    return "altcha";
  }
  static constexpr const char* kTyped[] = {"name", "phone", "title", "body", "captcha_answer"};
  const bool typed = std::any_of(std::begin(kTyped), std::end(kTyped),
                                 [&](const char* field) { return request_field == field; });
  return typed ? request_field : "";
}

ReaderError ToReaderError(const grpc::Status& status, int retry_after_trailer) {
  const v1::ErrorDetail detail = DetailOf(status);
  ReaderError error;
  error.retry_after_seconds = retry_after_trailer;
  if (detail.has_retry_after()) {
    const auto& wait = detail.retry_after();
    error.retry_after_seconds =
        static_cast<int>(std::min<int64_t>(wait.seconds() + (wait.nanos() > 0 ? 1 : 0), 86400));
  }
  error.log_summary = absl::StrCat(CodeName(status.error_code()), " ", detail.reason());
  switch (status.error_code()) {
    case grpc::StatusCode::INVALID_ARGUMENT:
      error.http_status = 422;
      for (const v1::FieldViolation& violation : detail.field_violations()) {
        const std::string field = FormFieldOf(violation.field());
        absl::StrAppend(&error.log_summary, " ", violation.field(), ":", violation.reason());
        if (field.empty()) {
          // Not something the reader typed: the page itself sent it wrong.
          error.message = kTryLater;
        } else if (!error.field_errors.contains(field)) {
          error.field_errors[field] = violation.message();
        }
      }
      if (error.field_errors.empty() && error.message.empty()) {
        error.message = detail.message().empty() ? kCheckFields : detail.message();
      }
      break;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      // RATE_LIMITED (this reader) and OVERLOADED (everyone): the service's
      // message says how long to wait.
      error.http_status = detail.reason() == "RATE_LIMITED" ? 429 : 503;
      error.message = detail.message().empty() ? kTryLater : detail.message();
      break;
    case grpc::StatusCode::UNAVAILABLE:
      error.http_status = 503;
      error.message = detail.message().empty() ? kTryLater : detail.message();
      error.keep_idempotency_key = true;
      break;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::CANCELLED:
      error.http_status = 504;
      error.message = kMaybeSent;
      error.keep_idempotency_key = true;
      break;
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::UNIMPLEMENTED:
      // The portal's token or the service's version is wrong: ops must act,
      // the reader can only come back later.
      error.http_status = 503;
      error.message = kOutOfService;
      break;
    case grpc::StatusCode::ABORTED:
      error.http_status = 503;
      error.message = detail.message().empty() ? kTryLater : detail.message();
      error.keep_idempotency_key = true;
      break;
    default:
      // INTERNAL, DATA_LOSS, UNKNOWN and codes this API does not use here
      // (NOT_FOUND, FAILED_PRECONDITION, ...).
      error.http_status = 502;
      error.message = detail.message().empty() ? kTryLater : detail.message();
      break;
  }
  return error;
}

}  // namespace moderation::portal
