#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace moderation::chaos {

struct LoadOptions {
  std::string target;
  int workers = 8;
  // Each call's deadline; a call that reaches it counts as hanging.
  absl::Duration call_deadline = absl::Seconds(2);
  // Pause before retrying a submission that failed.
  absl::Duration retry_backoff = absl::Milliseconds(20);
  // Prefix of every submission's token (its idempotency key, also in its title).
  std::string tag = "chaos";
};

// A submission the server acknowledged: PENDING_MODERATION with this id.
struct Acknowledged {
  std::string token;
  std::string comment_id;
  absl::Time answered;
};

struct LoadReport {
  std::vector<Acknowledged> acknowledged;
  int calls = 0;
  // Failed calls by gRPC status code name ("UNAVAILABLE", ...).
  std::map<std::string, int> errors;
  int refused = 0;  // answered as data: refused by the content rules
  absl::Duration slowest_call;
  // How long each failed call took: a call that had to wait for Redis takes
  // at least the command timeout, one that failed fast a few milliseconds.
  std::vector<absl::Duration> failed_call_latencies;
  // Acknowledged by a retry with the same idempotency key of an attempt that
  // had failed (the first attempt may or may not have reached Redis).
  int acknowledged_after_retry = 0;

  // When the first submission acknowledged at or after `since` was answered;
  // absl::InfiniteFuture() when none was.
  [[nodiscard]] absl::Time FirstAcknowledgedAfter(absl::Time since) const;
  // The `fraction` quantile of failed_call_latencies (zero when none failed).
  [[nodiscard]] absl::Duration FailedCallQuantile(double fraction) const;
  // "UNAVAILABLE=12 RESOURCE_EXHAUSTED=3" for messages.
  [[nodiscard]] std::string ErrorSummary() const;
};

// Keeps `workers` readers submitting comments as fast as the server answers,
// the way a portal would: a fresh captcha, then SubmitComment with an
// idempotency key; after a failure, the same comment again with the same key
// and a fresh captcha, until it is acknowledged or the load stops.
class SubmissionLoad {
 public:
  explicit SubmissionLoad(LoadOptions options);
  ~SubmissionLoad();

  void Start();
  // Stops every worker after its current call and returns what happened.
  LoadReport Stop();
  [[nodiscard]] int acknowledged() const { return acknowledged_count_.load(); }
  // As LoadReport::FirstAcknowledgedAfter, while the load runs.
  [[nodiscard]] absl::Time FirstAcknowledgedAfter(absl::Time since);
  // The report so far (the load goes on).
  [[nodiscard]] LoadReport Snapshot();

 private:
  void Work(int worker);
  void Record(const grpc::Status& status, absl::Duration took);

  const LoadOptions options_;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::atomic<int> acknowledged_count_{0};
  absl::Mutex mutex_;
  LoadReport report_ ABSL_GUARDED_BY(mutex_);
};

// What the standard health service says about `service` ("" for the whole
// server): "SERVING", "NOT_SERVING", or the gRPC error code's name.
std::string HealthOf(const std::shared_ptr<grpc::Channel>& channel, const std::string& service);

}  // namespace moderation::chaos
