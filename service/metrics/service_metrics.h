#pragma once

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "service/metrics/registry.h"

// The service's metrics, named by Prometheus conventions (unit suffixes,
// `_total` on counters). Label values come from small fixed sets (method
// names, status code names, outcome and reason codes): never an id, an IP
// address or anything a reader typed, which would make the series unbounded
// and could leak personal data.
namespace moderation::metrics {

class ServiceMetrics {
 public:
  // Registers every metric in `registry`, which must outlive the result, and
  // sets moderation_build_info{version=...} to 1.
  static absl::StatusOr<std::unique_ptr<ServiceMetrics>> Create(MetricsRegistry& registry,
                                                                std::string_view version);

  // moderation_rpc_requests_total{method,code}: finished calls; `method` is the
  // short method name ("SubmitComment"), `code` the gRPC status code name
  // ("OK", "INVALID_ARGUMENT", ...).
  CounterFamily& rpc_requests;
  // moderation_rpc_duration_seconds{method}: handler time from the call's
  // arrival to its status.
  HistogramFamily& rpc_duration_seconds;
  // moderation_submissions_total{outcome,reason}: accepted ("accepted", ""),
  // replayed idempotent retries ("replayed", ""), or refused ("refused", the
  // ErrorDetail reason or field reason).
  CounterFamily& submissions;
  // moderation_captcha_verifications_total{outcome}: "correct", "wrong",
  // "expired", "unknown", "already_used".
  CounterFamily& captcha_verifications;
  // moderation_rate_limit_refusals_total{limit}: which limit refused the call.
  CounterFamily& rate_limit_refusals;
  // moderation_queue_pending: comments waiting for a moderator. Either Set()
  // it from a periodic poll or give it a callback (Gauge::SetCallback).
  Gauge& queue_pending;
  // moderation_queue_oldest_pending_age_seconds: how long the oldest pending
  // comment has waited (0 with an empty queue).
  Gauge& queue_oldest_pending_age_seconds;
  // moderation_redis_commands_total{result}: "ok", "error" (Redis answered
  // with an error), "timeout", "disconnected", "overloaded".
  CounterFamily& redis_commands;
  // moderation_redis_command_duration_seconds: from sending a command to its
  // reply.
  Histogram& redis_command_duration_seconds;

 private:
  ServiceMetrics(CounterFamily& rpc_requests_family, HistogramFamily& rpc_duration_family,
                 CounterFamily& submissions_family, CounterFamily& captcha_family,
                 CounterFamily& rate_limit_family, Gauge& pending, Gauge& oldest_age,
                 CounterFamily& redis_family, Histogram& redis_duration)
      : rpc_requests(rpc_requests_family),
        rpc_duration_seconds(rpc_duration_family),
        submissions(submissions_family),
        captcha_verifications(captcha_family),
        rate_limit_refusals(rate_limit_family),
        queue_pending(pending),
        queue_oldest_pending_age_seconds(oldest_age),
        redis_commands(redis_family),
        redis_command_duration_seconds(redis_duration) {}
};

}  // namespace moderation::metrics
