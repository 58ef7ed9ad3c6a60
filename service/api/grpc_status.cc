#include "service/api/grpc_status.h"

#include <atomic>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "moderation/internal/wire.pb.h"
#include "moderation/v1/errors.pb.h"
#include "service/api/reader_messages.h"
#include "service/common/errors.h"
#include "service/common/log.h"

namespace moderation::api {
namespace {

// At most this many failure lines a second: a fault that hits every request
// must not turn into a log flood.
bool MayLogFailure() {
  constexpr int64_t kLinesPerSecond = 10;
  static std::atomic<int64_t> window_second{0};
  static std::atomic<int64_t> lines_in_window{0};
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  if (window_second.exchange(now) != now) {
    lines_in_window.store(0);
  }
  return lines_in_window.fetch_add(1) < kLinesPerSecond;
}

bool IsServerFault(absl::StatusCode code) {
  return code == absl::StatusCode::kInternal || code == absl::StatusCode::kDataLoss ||
         code == absl::StatusCode::kUnknown || code == absl::StatusCode::kUnimplemented;
}

}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& status, absl::string_view method) {
  if (status.ok()) {
    return grpc::Status::OK;
  }
  v1::ErrorDetail detail;
  std::string message(status.message());
  if (IsServerFault(status.code())) {
    if (MayLogFailure()) {
      log::Error("request failed", {{"method", method},
                                    {"code", absl::StatusCodeToString(status.code())},
                                    {"error", status.message()}});
    }
    detail.set_reason("INTERNAL_ERROR");
    detail.set_message(std::string(kInternalError));
    message = "internal error";
  } else {
    detail.set_reason(ReasonOf(status));
    detail.set_message(ReaderMessageOf(status));
    for (const FieldViolation& violation : FieldViolationsOf(status)) {
      v1::FieldViolation* out = detail.add_field_violations();
      out->set_field(violation.field);
      out->set_reason(violation.reason);
      out->set_message(ReaderMessageOf(violation));
    }
    if (std::optional<absl::Duration> wait = RetryAfterOf(status)) {
      const int64_t millis = absl::ToInt64Milliseconds(*wait);
      detail.mutable_retry_after()->set_seconds(millis / 1000);
      detail.mutable_retry_after()->set_nanos(static_cast<int32_t>((millis % 1000) * 1000000));
    }
    if (status.code() == absl::StatusCode::kUnavailable) {
      // Storage details stay in our logs.
      message = "service temporarily unavailable";
    }
  }
  internal::RpcStatus rpc_status;
  rpc_status.set_code(static_cast<int32_t>(status.code()));
  rpc_status.set_message(message);
  rpc_status.add_details()->PackFrom(detail);
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), message,
                      rpc_status.SerializeAsString());
}

}  // namespace moderation::api
