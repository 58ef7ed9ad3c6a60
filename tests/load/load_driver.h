#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/support/byte_buffer.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/load/call_stats.h"
#include "tests/load/process_usage.h"
#include "tests/load/submission_data.h"

namespace moderation::loadgen {

// A process on the same machine whose CPU time per call and resident memory
// are reported (the server, Redis), read from /proc.
struct WatchedProcess {
  std::string name;
  int pid = 0;
};

struct DriverOptions {
  std::string target = "127.0.0.1:50051";
  std::chrono::milliseconds warmup{2000};
  // The measured window, unless `count` is set.
  std::chrono::milliseconds duration{10000};
  // When above 0: measure this many calls (after the warm-up) instead of a
  // fixed duration.
  uint64_t count = 0;
  // 0: closed loop, `concurrency` calls kept in flight (maximum throughput).
  // Above 0: open loop, the submit phase sends this many calls a second on a
  // fixed schedule whatever the answers, and latency counts from when each
  // call was due, so a stall shows in the percentiles instead of slowing the
  // client down (no coordinated omission).
  double rate = 0;
  // Open loop: calls allowed in flight at once; one due beyond it is dropped
  // (not sent) and counted.
  int max_in_flight = 1000;
  std::chrono::milliseconds deadline{5000};
  // Closed loop: calls kept in flight at all times.
  int concurrency = 64;
  // Each channel has its own TCP connection.
  int channels = 4;
  // Threads polling completion queues; each owns a share of the calls.
  int threads = 4;
  // Sent as "authorization: Bearer <token>" with every call, unless empty (a
  // portal token when the server requires tokens).
  std::string token;
  // TLS with these PEM roots when not empty (the server's CA).
  std::string tls_ca_pem;

  // What the submit phase sends.
  Mix mix;
  // Captchas fetched before the submit phase, one per submission; 0 sizes the
  // pool from `rate` or `count` and the durations, assuming
  // `closed_loop_rate_guess` calls a second in closed loop.
  uint64_t captchas = 0;
  double closed_loop_rate_guess = 3000;
  // CreateCaptcha calls in flight while the pool is fetched.
  int captcha_concurrency = 32;
  // The submit phase starts no sooner than this after the last captcha was
  // issued, so that the "too fast" spam rule (3 s in deploy/spam-rules.toml)
  // does not score the benchmark's comments as a bot's.
  std::chrono::milliseconds captcha_min_age{3500};

  // Processes whose CPU time per call (a figure that a busy machine disturbs
  // less than calls per second) and resident memory each phase reports.
  std::vector<WatchedProcess> watched;
};

enum class Phase { kHealth, kSubmit };

[[nodiscard]] std::string PhaseName(Phase phase);

// One line of the report: a kind of call and what happened to it.
struct ResultRow {
  std::string name;
  // What the calls were built to get ("OK SERVING" for health checks).
  std::string expectation;
  CallStats stats;
  LatencySummary latency;
};

struct PhaseResult {
  Phase phase = Phase::kHealth;
  bool open_loop = false;
  // Open loop: the calls a second asked for.
  double target_rate = 0;
  // The measured window (warm-up excluded); the calls started (in open loop:
  // due) inside it count.
  double measured_seconds = 0;
  // Open loop: calls sent in the window per second, as achieved.
  double sent_per_second = 0;
  // Closed loop: the submit phase used every prepared captcha before the
  // window ended, which then ended early.
  bool pool_ran_out = false;
  // The health phase has one row; the submit phase one per kind in the mix,
  // then all of them together when there are several.
  std::vector<ResultRow> rows;
  // What each watched process used over the phase.
  std::vector<ProcessUsage> processes;

  // The row holding every call of the phase.
  [[nodiscard]] const ResultRow& total() const { return rows.back(); }
};

// The step before the submit phase: captchas fetched, the rate limited
// address pushed over its limit.
struct Preparation {
  uint64_t captchas = 0;
  double seconds = 0;
  // Time left, when the submit phase starts, before the first captcha fetched
  // expires.
  double captcha_seconds_left = 0;
  // Submissions it took from the rate limited address to be refused.
  int hot_address_submissions = 0;
};

// Drives the service from a fixed set of channels: the health phase in closed
// loop, the submit phase in closed or open loop, each for a warm-up and a
// measured window (or count).
class LoadDriver {
 public:
  explicit LoadDriver(DriverOptions options);
  ~LoadDriver();
  LoadDriver(const LoadDriver&) = delete;
  LoadDriver& operator=(const LoadDriver&) = delete;

  // Opens every channel and waits for it to connect. False, with `error` set,
  // when one does not connect within the per-call deadline (at least 5 s).
  [[nodiscard]] bool Connect(std::string* error);

  // Builds every submission of the submit phase, each with its own captcha
  // and address, so that the phase measures SubmitComment alone; then waits
  // out `captcha_min_age`. False, with `error` set, when the server refuses
  // captchas (no development reveal mode, or issuance limits).
  [[nodiscard]] bool PrepareSubmissions(std::string* error);
  [[nodiscard]] const Preparation& preparation() const { return preparation_; }

  // Runs one phase to completion (warm-up, measured window, draining).
  [[nodiscard]] PhaseResult Run(Phase phase);

  // Writes one SubmitComment request framed as on the wire (gRPC's 5-byte
  // prefix, then the message), for h2load's -d: a rate_limited submission
  // (from the address that kind uses) with a captcha fetched from the server
  // and answered wrongly. Sent over and over, the first few copies are
  // refused for the captcha (wrong, then already used) and every later one
  // for the address's rate limit.
  [[nodiscard]] bool WriteFramedRequest(const std::string& path, std::string* error);

 private:
  [[nodiscard]] uint64_t PoolSize() const;
  [[nodiscard]] bool FetchCaptchas(uint64_t size, std::string* error);
  [[nodiscard]] bool OverloadHotAddress(std::string* error);
  [[nodiscard]] PhaseResult RunClosedLoop(Phase phase);
  [[nodiscard]] PhaseResult RunOpenLoop();

  DriverOptions options_;
  // Distinguishes this run's idempotency keys and comment bodies from those
  // of earlier runs against the same Redis.
  std::string run_id_;
  uint64_t salt_ = 0;
  // Submission numbers continue across uses so addresses and keys never repeat.
  uint64_t next_sequence_ = 0;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  // The submit phase's calls, serialised ahead so that the client spends its
  // share of the machine on sending, and their kinds.
  std::vector<grpc::ByteBuffer> requests_;
  std::vector<CallKind> kinds_;
  Preparation preparation_;
  std::chrono::steady_clock::time_point first_captcha_expiry_;
};

}  // namespace moderation::loadgen
