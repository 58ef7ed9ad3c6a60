#pragma once

#include <grpcpp/support/status_code_enum.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace moderation::loadgen {

// Percentiles of the successful calls, in milliseconds. All zero when there
// were none.
struct LatencySummary {
  double p50_ms = 0;
  double p90_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
};

// What happened to one kind of call during the measured window. Each worker
// thread fills its own instance and the results are merged once the threads
// have stopped, so recording takes no lock.
class CallStats {
 public:
  void RecordSuccess(std::chrono::nanoseconds latency);
  // `reason` is a gRPC status code name ("UNAVAILABLE"), or "OK:<what>" for a
  // call that succeeded on the wire but did not give the answer expected.
  // The first `example` seen for each reason is kept to help tell why.
  void RecordFailure(const std::string& reason, const std::string& example);

  void Merge(const CallStats& other);

  [[nodiscard]] uint64_t successes() const { return latencies_us_.size(); }
  [[nodiscard]] uint64_t failures() const { return failure_count_; }
  [[nodiscard]] uint64_t calls() const { return successes() + failures(); }
  [[nodiscard]] const std::map<std::string, uint64_t>& failures_by_reason() const {
    return failures_by_reason_;
  }
  [[nodiscard]] const std::map<std::string, std::string>& example_by_reason() const {
    return example_by_reason_;
  }

  // Sorts the recorded latencies; meant to be called once, at the end.
  [[nodiscard]] LatencySummary SummarizeLatency();

 private:
  // Microseconds: sub-microsecond precision is noise at these latencies, and
  // four bytes per call keeps a long run at a few hundred thousand calls per
  // second within memory.
  std::vector<uint32_t> latencies_us_;
  std::map<std::string, uint64_t> failures_by_reason_;
  std::map<std::string, std::string> example_by_reason_;
  uint64_t failure_count_ = 0;
};

// "UNAVAILABLE", "DEADLINE_EXCEEDED", ... as in the gRPC specification.
[[nodiscard]] std::string StatusCodeName(grpc::StatusCode code);

}  // namespace moderation::loadgen
