#pragma once

#include <grpcpp/channel.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tests/load/call_stats.h"

namespace moderation::loadgen {

struct DriverOptions {
  std::string target = "127.0.0.1:50051";
  std::chrono::milliseconds warmup{2000};
  std::chrono::milliseconds duration{10000};
  std::chrono::milliseconds deadline{5000};
  // Calls (or, in the submit phase, operations) kept in flight at all times.
  int concurrency = 64;
  // Each channel has its own TCP connection.
  int channels = 4;
  // Threads polling completion queues; each owns a share of the in-flight slots.
  int threads = 4;
  // Sent as "authorization: Bearer <token>" with every call, unless empty (a
  // portal token when the server requires tokens).
  std::string token;
  // TLS with these PEM roots when not empty (the server's CA).
  std::string tls_ca_pem;
};

enum class Phase { kHealth, kSubmit };

[[nodiscard]] std::string PhaseName(Phase phase);

// One line of the report: a kind of call and what happened to it.
struct ResultRow {
  std::string name;
  CallStats stats;
  LatencySummary latency;
};

struct PhaseResult {
  Phase phase = Phase::kHealth;
  // The measured window (warm-up excluded); calls completing inside it count.
  double measured_seconds = 0;
  std::vector<ResultRow> rows;
};

// Drives the service from a fixed set of channels, keeping
// `options.concurrency` calls in flight for the warm-up plus the measured
// window of each phase.
class LoadDriver {
 public:
  explicit LoadDriver(DriverOptions options);
  ~LoadDriver();
  LoadDriver(const LoadDriver&) = delete;
  LoadDriver& operator=(const LoadDriver&) = delete;

  // Opens every channel and waits for it to connect. False, with `error` set,
  // when one does not connect within the per-call deadline (at least 5 s).
  [[nodiscard]] bool Connect(std::string* error);

  // Runs one phase to completion (warm-up, measured window, draining).
  [[nodiscard]] PhaseResult Run(Phase phase);

 private:
  DriverOptions options_;
  // Distinguishes this run's idempotency keys from those of earlier runs
  // against the same Redis.
  std::string run_id_;
  // Operation numbers continue across phases so keys and addresses never repeat.
  uint64_t next_sequence_base_ = 0;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
};

}  // namespace moderation::loadgen
