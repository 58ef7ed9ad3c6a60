#pragma once

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "service/api/call_gate.h"
#include "service/metrics/service_metrics.h"

namespace moderation::api {

// Ends every call the same way: converts the status (see grpc_status.h), adds
// a `retry-after` trailer when the status says how long to wait, counts the
// call and its duration, and writes a debug-level access log line (method,
// status, latency, request id from `x-request-id`, the caller's principal
// name when known; never a request's content or a token). Thread-safe.
class CallFinisher {
 public:
  // `metrics` may be null: nothing is counted. `gate` may be null: every
  // call is admitted.
  explicit CallFinisher(metrics::ServiceMetrics* metrics, const CallGate* gate = nullptr)
      : metrics_(metrics), gate_(gate) {}

  // Whether a call may start (see CallGate::Admit); handlers ask first and
  // finish the call with the status when it is not OK.
  [[nodiscard]] absl::Status Admission(const grpc::CallbackServerContext& context) const {
    return gate_ != nullptr ? gate_->Admit(context) : absl::OkStatus();
  }

  void Finish(grpc::CallbackServerContext* context, grpc::ServerUnaryReactor* reactor,
              const absl::Status& status, absl::string_view method, absl::Time start,
              absl::string_view principal = {}) const;

  // What became of a submission: counted by outcome and reason, with the
  // captcha's verdict and the limit that refused it, when there was one.
  void RecordSubmission(const absl::Status& status, absl::string_view outcome,
                        absl::string_view refusal_reason) const;

 private:
  metrics::ServiceMetrics* metrics_;
  const CallGate* gate_;
};

}  // namespace moderation::api
