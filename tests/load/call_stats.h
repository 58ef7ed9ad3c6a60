#pragma once

#include <grpcpp/support/status_code_enum.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace moderation::loadgen {

// Latency percentiles in milliseconds. All zero when nothing was recorded.
struct LatencySummary {
  double p50_ms = 0;
  double p90_ms = 0;
  double p99_ms = 0;
  double p999_ms = 0;
  double max_ms = 0;
};

// What happened to one kind of call during the measured window. Each worker
// thread fills its own instance and the results are merged once the threads
// have stopped, so recording takes no lock.
class CallStats {
 public:
  // One answered call. `outcome` is a label such as "OK PENDING_MODERATION"
  // or "INVALID_ARGUMENT phone=PHONE_INVALID"; `expected` says whether it is
  // the answer the call was built to get. The latency of every call counts,
  // whatever the answer: a fast refusal is still a call served.
  void Record(const std::string& outcome, bool expected, std::chrono::nanoseconds latency);
  // The first example kept for an outcome, to help tell why (e.g. the error
  // message). Examples cost a parse of the error details, so callers ask
  // `HasExample` first.
  [[nodiscard]] bool HasExample(const std::string& outcome) const {
    return example_by_outcome_.contains(outcome);
  }
  void AddExample(const std::string& outcome, const std::string& example);
  // Open loop only: a call that was due but not sent because the most calls
  // allowed in flight already were.
  void RecordDropped() { ++dropped_; }
  // Open loop only: a call sent more than a millisecond after it was due
  // (the client could not keep up; its latency still counts from when it was
  // due).
  void RecordLate(std::chrono::nanoseconds lateness);

  void Merge(const CallStats& other);

  [[nodiscard]] uint64_t calls() const { return latencies_us_.size(); }
  [[nodiscard]] uint64_t expected() const { return expected_; }
  [[nodiscard]] uint64_t dropped() const { return dropped_; }
  [[nodiscard]] uint64_t late() const { return late_; }
  [[nodiscard]] double max_lateness_ms() const { return static_cast<double>(max_late_us_) / 1000; }
  [[nodiscard]] const std::map<std::string, uint64_t>& outcomes() const { return outcomes_; }
  [[nodiscard]] const std::map<std::string, std::string>& example_by_outcome() const {
    return example_by_outcome_;
  }

  // Sorts the recorded latencies; meant to be called once, at the end.
  [[nodiscard]] LatencySummary SummarizeLatency();

 private:
  // Microseconds: sub-microsecond precision is noise at these latencies, and
  // four bytes per call keeps a long run at a few hundred thousand calls per
  // second within memory.
  std::vector<uint32_t> latencies_us_;
  std::map<std::string, uint64_t> outcomes_;
  std::map<std::string, std::string> example_by_outcome_;
  uint64_t expected_ = 0;
  uint64_t dropped_ = 0;
  uint64_t late_ = 0;
  uint64_t max_late_us_ = 0;
};

// "UNAVAILABLE", "DEADLINE_EXCEEDED", ... as in the gRPC specification.
[[nodiscard]] std::string StatusCodeName(grpc::StatusCode code);

}  // namespace moderation::loadgen
