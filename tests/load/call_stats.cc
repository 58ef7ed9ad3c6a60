#include "tests/load/call_stats.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>

namespace moderation::loadgen {
namespace {

// Nearest-rank percentile of sorted, non-empty `values`, in milliseconds.
double PercentileMs(const std::vector<uint32_t>& sorted_us, double fraction) {
  const auto rank =
      static_cast<size_t>(std::ceil(fraction * static_cast<double>(sorted_us.size())));
  const size_t index = rank == 0 ? 0 : std::min(rank, sorted_us.size()) - 1;
  return static_cast<double>(sorted_us[index]) / 1000.0;
}

uint32_t ClampToUs(std::chrono::nanoseconds duration) {
  const int64_t us = std::chrono::duration_cast<std::chrono::microseconds>(duration).count();
  constexpr int64_t kMaxUs = std::numeric_limits<uint32_t>::max();
  return static_cast<uint32_t>(std::clamp<int64_t>(us, 0, kMaxUs));
}

}  // namespace

void CallStats::Record(const std::string& outcome, bool expected,
                       std::chrono::nanoseconds latency) {
  latencies_us_.push_back(ClampToUs(latency));
  ++outcomes_[outcome];
  if (expected) {
    ++expected_;
  }
}

void CallStats::AddExample(const std::string& outcome, const std::string& example) {
  example_by_outcome_.try_emplace(outcome, example);
}

void CallStats::RecordLate(std::chrono::nanoseconds lateness) {
  ++late_;
  max_late_us_ = std::max<uint64_t>(max_late_us_, ClampToUs(lateness));
}

void CallStats::Merge(const CallStats& other) {
  latencies_us_.insert(latencies_us_.end(), other.latencies_us_.begin(), other.latencies_us_.end());
  for (const auto& [outcome, count] : other.outcomes_) {
    outcomes_[outcome] += count;
  }
  for (const auto& [outcome, example] : other.example_by_outcome_) {
    example_by_outcome_.try_emplace(outcome, example);
  }
  expected_ += other.expected_;
  dropped_ += other.dropped_;
  late_ += other.late_;
  max_late_us_ = std::max(max_late_us_, other.max_late_us_);
}

LatencySummary CallStats::SummarizeLatency() {
  LatencySummary summary;
  if (latencies_us_.empty()) {
    return summary;
  }
  std::sort(latencies_us_.begin(), latencies_us_.end());
  summary.p50_ms = PercentileMs(latencies_us_, 0.50);
  summary.p90_ms = PercentileMs(latencies_us_, 0.90);
  summary.p99_ms = PercentileMs(latencies_us_, 0.99);
  summary.p999_ms = PercentileMs(latencies_us_, 0.999);
  summary.max_ms = static_cast<double>(latencies_us_.back()) / 1000.0;
  return summary;
}

std::string StatusCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return "CODE_" + std::to_string(static_cast<int>(code));
  }
}

}  // namespace moderation::loadgen
