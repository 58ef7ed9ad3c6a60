#include "service/metrics/service_metrics.h"

#include "service/common/status_macros.h"

namespace moderation::metrics {

absl::StatusOr<std::unique_ptr<ServiceMetrics>> ServiceMetrics::Create(MetricsRegistry& registry,
                                                                       std::string_view version) {
  ASSIGN_OR_RETURN(
      CounterFamily * rpc_requests,
      registry.AddCounter("moderation_rpc_requests_total",
                          "gRPC calls finished, by method and status code.", {"method", "code"}));
  ASSIGN_OR_RETURN(HistogramFamily * rpc_duration,
                   registry.AddHistogram("moderation_rpc_duration_seconds",
                                         "Time from a gRPC call's arrival to its status.",
                                         LatencySecondsBuckets(), {"method"}));
  ASSIGN_OR_RETURN(CounterFamily * submissions,
                   registry.AddCounter("moderation_submissions_total",
                                       "Comment submissions, by outcome and refusal reason.",
                                       {"outcome", "reason"}));
  ASSIGN_OR_RETURN(CounterFamily * captcha,
                   registry.AddCounter("moderation_captcha_verifications_total",
                                       "Captcha answers checked, by outcome.", {"outcome"}));
  ASSIGN_OR_RETURN(CounterFamily * rate_limits,
                   registry.AddCounter("moderation_rate_limit_refusals_total",
                                       "Calls refused by a rate limit, by limit.", {"limit"}));
  ASSIGN_OR_RETURN(GaugeFamily * pending,
                   registry.AddGauge("moderation_queue_pending",
                                     "Comments waiting for a moderator's decision."));
  ASSIGN_OR_RETURN(GaugeFamily * oldest_age,
                   registry.AddGauge("moderation_queue_oldest_pending_age_seconds",
                                     "How long the oldest pending comment has waited."));
  ASSIGN_OR_RETURN(CounterFamily * redis_commands,
                   registry.AddCounter("moderation_redis_commands_total",
                                       "Redis commands finished, by result.", {"result"}));
  ASSIGN_OR_RETURN(HistogramFamily * redis_duration,
                   registry.AddHistogram("moderation_redis_command_duration_seconds",
                                         "Time from sending a Redis command to its reply.",
                                         LatencySecondsBuckets()));
  ASSIGN_OR_RETURN(
      GaugeFamily * build_info,
      registry.AddGauge("moderation_build_info", "Always 1; the labels say which build is running.",
                        {"version"}));
  build_info->WithLabels({version}).Set(1);

  return std::unique_ptr<ServiceMetrics>(new ServiceMetrics(
      *rpc_requests, *rpc_duration, *submissions, *captcha, *rate_limits, pending->WithLabels({}),
      oldest_age->WithLabels({}), *redis_commands, redis_duration->WithLabels({})));
}

}  // namespace moderation::metrics
