#pragma once

#include <map>
#include <string>

#include "absl/synchronization/mutex.h"
#include "service/common/clock.h"
#include "service/common/errors.h"
#include "service/ratelimit/limit_store.h"

namespace moderation::testing {

// GCRA in a map, on an injected clock: the same arithmetic as the Redis
// script. `set_available(false)` makes every check fail as an unreachable
// store would. Counts the checks it answers.
class InMemoryLimitStore final : public ratelimit::LimitStore {
 public:
  explicit InMemoryLimitStore(const Clock& clock) : clock_(clock) {}

  void CheckAll(std::vector<ratelimit::GcraCheck> checks, absl::Duration /*timeout*/,
                absl::AnyInvocable<void(std::vector<absl::StatusOr<ratelimit::GcraResult>>) &&>
                    done) override {
    std::vector<absl::StatusOr<ratelimit::GcraResult>> results;
    {
      absl::MutexLock lock(&mutex_);
      for (const ratelimit::GcraCheck& check : checks) {
        ++checks_answered_;
        if (!available_) {
          results.push_back(StorageUnavailable("fake limit store down"));
          continue;
        }
        const absl::Time now = clock_.Now();
        absl::Time tat = now;
        if (auto it = tat_.find(check.key); it != tat_.end() && it->second > now) {
          tat = it->second;
        }
        const absl::Time new_tat = tat + check.emission_interval;
        const absl::Time allow_at = new_tat - check.emission_interval * check.burst;
        if (allow_at > now) {
          results.push_back(ratelimit::GcraResult{.allowed = false, .retry_after = allow_at - now});
          continue;
        }
        tat_[check.key] = new_tat;
        results.push_back(ratelimit::GcraResult{.allowed = true, .retry_after = {}});
      }
    }
    std::move(done)(std::move(results));
  }

  void Refund(std::vector<ratelimit::GcraCheck> checks) override {
    absl::MutexLock lock(&mutex_);
    for (const ratelimit::GcraCheck& check : checks) {
      if (auto it = tat_.find(check.key); it != tat_.end()) {
        it->second -= check.emission_interval;
      }
    }
  }

  void set_available(bool available) {
    absl::MutexLock lock(&mutex_);
    available_ = available;
  }
  [[nodiscard]] int checks_answered() const {
    absl::MutexLock lock(&mutex_);
    return checks_answered_;
  }

 private:
  const Clock& clock_;
  mutable absl::Mutex mutex_;
  std::map<std::string, absl::Time> tat_ ABSL_GUARDED_BY(mutex_);
  bool available_ ABSL_GUARDED_BY(mutex_) = true;
  int checks_answered_ ABSL_GUARDED_BY(mutex_) = 0;
};

}  // namespace moderation::testing
