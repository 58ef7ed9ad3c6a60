#include "service/api/call_finisher.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "service/api/grpc_status.h"
#include "service/common/errors.h"
#include "service/common/log.h"
#include "service/ratelimit/rate_limiter.h"

namespace moderation::api {
namespace {

// A client's request id, if it is a plain token: it goes into logs.
std::string RequestIdOf(const grpc::CallbackServerContext& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("x-request-id");
  if (it == metadata.end() || it->second.size() > 64) {
    return "";
  }
  const absl::string_view id(it->second.data(), it->second.size());
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return "";
    }
  }
  return std::string(id);
}

}  // namespace

void CallFinisher::Finish(grpc::CallbackServerContext* context, grpc::ServerUnaryReactor* reactor,
                          const absl::Status& status, absl::string_view method, absl::Time start,
                          absl::string_view principal) const {
  if (std::optional<absl::Duration> wait = RetryAfterOf(status)) {
    const double seconds = std::ceil(absl::ToDoubleSeconds(*wait));
    context->AddTrailingMetadata("retry-after", absl::StrCat(static_cast<int64_t>(seconds)));
  }
  const absl::Duration took = absl::Now() - start;
  const std::string code = absl::StatusCodeToString(status.code());
  if (metrics_ != nullptr) {
    metrics_->rpc_requests.WithLabels({std::string(method), code}).Increment();
    metrics_->rpc_duration_seconds.WithLabels({std::string(method)})
        .Observe(absl::ToDoubleSeconds(took));
  }
  if (log::Enabled(log::Level::kDebug)) {
    log::Write(log::Level::kDebug, "rpc",
               {{"method", method},
                {"status", code},
                {"latency_ms", absl::StrCat(absl::ToDoubleMilliseconds(took))},
                {"request_id", RequestIdOf(*context)},
                {"principal", principal}});
  }
  reactor->Finish(ToGrpcStatus(status, method));
}

void CallFinisher::RecordSubmission(const absl::Status& status, absl::string_view outcome,
                                    absl::string_view refusal_reason) const {
  if (metrics_ == nullptr) {
    return;
  }
  if (status.ok()) {
    metrics_->submissions.WithLabels({std::string(outcome), std::string(refusal_reason)})
        .Increment();
    metrics_->captcha_verifications.WithLabels({"correct"}).Increment();
    return;
  }
  std::string reason = ReasonOf(status);
  for (const FieldViolation& violation : FieldViolationsOf(status)) {
    if (absl::StartsWith(violation.reason, "CAPTCHA_")) {
      metrics_->captcha_verifications
          .WithLabels({absl::AsciiStrToLower(violation.reason.substr(8))})
          .Increment();
      reason = violation.reason;
    }
  }
  if (const std::string limit = ratelimit::LimitOf(status); !limit.empty()) {
    metrics_->rate_limit_refusals.WithLabels({limit}).Increment();
  }
  metrics_->submissions.WithLabels({"refused", reason.empty() ? "OTHER" : reason}).Increment();
}

}  // namespace moderation::api
