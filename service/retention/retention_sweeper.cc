#include "service/retention/retention_sweeper.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "service/common/log.h"

namespace moderation::retention {

RetentionSweeper::RetentionSweeper(RetentionStore& store, const Clock& clock,
                                   RetentionPolicy policy, StepObserver observer)
    : store_(store), clock_(clock), policy_(policy), observer_(std::move(observer)) {}

RetentionSweeper::~RetentionSweeper() { Stop(); }

bool RetentionSweeper::enabled() const {
  return policy_.personal_data > absl::ZeroDuration() ||
         policy_.pending_max_age > absl::ZeroDuration();
}

SweepCutoffs RetentionSweeper::CutoffsAt(absl::Time now) const {
  SweepCutoffs cutoffs;
  if (policy_.personal_data > absl::ZeroDuration()) {
    cutoffs.erase_decided_before = now - policy_.personal_data;
  }
  if (policy_.pending_max_age > absl::ZeroDuration()) {
    cutoffs.expire_pending_before = now - policy_.pending_max_age;
  }
  return cutoffs;
}

absl::StatusOr<SweepCounts> RetentionSweeper::SweepOnce() {
  const SweepCutoffs cutoffs = CutoffsAt(clock_.Now());
  SweepCounts total;
  std::string cursor = "0";
  do {
    absl::StatusOr<SweepStep> step = store_.Sweep(cursor, policy_.batch, cutoffs);
    if (!step.ok()) {
      return step.status();
    }
    total += step->counts;
    if (observer_) {
      observer_(step->counts);
    }
    cursor = step->next_cursor;
  } while (cursor != "0" && Wait(policy_.pause));
  return total;
}

void RetentionSweeper::Start() {
  if (!enabled()) {
    return;
  }
  thread_ = std::thread([this] { Loop(); });
}

void RetentionSweeper::Stop() {
  {
    absl::MutexLock lock(&mutex_);
    stopping_ = true;
  }
  if (thread_.joinable()) {
    thread_.join();
  }
}

bool RetentionSweeper::Wait(absl::Duration duration) {
  absl::MutexLock lock(&mutex_);
  const auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) { return stopping_; };
  mutex_.AwaitWithTimeout(absl::Condition(&stopping), duration);
  return !stopping_;
}

void RetentionSweeper::Loop() {
  do {
    absl::StatusOr<SweepCounts> counts = SweepOnce();
    if (counts.ok()) {
      log::Info("retention sweep done", {{"examined", absl::StrCat(counts->examined)},
                                         {"erased", absl::StrCat(counts->erased)},
                                         {"expired", absl::StrCat(counts->expired)}});
    } else {
      log::Warning("retention sweep failed", {{"error", counts.status().message()}});
    }
  } while (Wait(policy_.interval));
}

}  // namespace moderation::retention
