#pragma once

#include <functional>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "service/common/clock.h"
#include "service/retention/retention_store.h"

namespace moderation::retention {

struct RetentionPolicy {
  // How long personal data of a decided comment is kept after the decision;
  // zero keeps it for ever.
  absl::Duration personal_data = absl::ZeroDuration();
  // How long a comment may wait for a decision; zero keeps it for ever.
  absl::Duration pending_max_age = absl::ZeroDuration();
  // Time between the starts of two sweeps.
  absl::Duration interval = absl::Hours(1);
  // Comments per step, and the pause between steps, so that a sweep never
  // holds Redis for long.
  int batch = 200;
  absl::Duration pause = absl::Milliseconds(20);
};

// Applies a RetentionPolicy: one sweep is a walk over every comment in
// batches. Start runs sweeps on a thread of its own until Stop, logging the
// counts of each; a failed sweep is logged and tried again at the next
// interval. Personal data never reaches the log: only counts do.
class RetentionSweeper {
 public:
  // Told what each step did as soon as it is done (so a sweep that fails
  // half way still reports what it removed), on the sweeping thread: for
  // counters. Must be quick.
  using StepObserver = std::function<void(const SweepCounts& step)>;

  RetentionSweeper(RetentionStore& store, const Clock& clock, RetentionPolicy policy,
                   StepObserver observer = nullptr);
  ~RetentionSweeper();

  RetentionSweeper(const RetentionSweeper&) = delete;
  RetentionSweeper& operator=(const RetentionSweeper&) = delete;

  // True when the policy has something to do.
  [[nodiscard]] bool enabled() const;

  // One whole sweep, now, on the caller's thread; the cutoffs are taken from
  // the clock once, at the start. The store's first error.
  [[nodiscard]] absl::StatusOr<SweepCounts> SweepOnce();

  // Starts the background thread (first sweep at once). Call at most once.
  void Start();
  // Stops it, interrupting the pause between steps or sweeps. Idempotent.
  void Stop();

 private:
  [[nodiscard]] SweepCutoffs CutoffsAt(absl::Time now) const;
  // Waits up to `duration`; false once Stop was called.
  bool Wait(absl::Duration duration);
  void Loop();

  RetentionStore& store_;
  const Clock& clock_;
  const RetentionPolicy policy_;
  const StepObserver observer_;
  absl::Mutex mutex_;
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  std::thread thread_;
};

}  // namespace moderation::retention
