#pragma once

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace moderation::ratelimit {

// Remembers, locally, which keys are over their limit and until when, so that
// a flood from one source stops costing store round trips until its window
// frees. Bounded: past `max_entries`, expired entries are dropped, and if
// none are, nothing new is remembered. Thread-safe.
class OverLimitCache {
 public:
  explicit OverLimitCache(std::size_t max_entries = 100000) : max_entries_(max_entries) {}

  // How long `key` stays refused, or zero when it is not known to be over.
  [[nodiscard]] absl::Duration RemainingFor(const std::string& key, absl::Time now);
  void Remember(const std::string& key, absl::Time until, absl::Time now);
  [[nodiscard]] std::size_t size() const;

 private:
  const std::size_t max_entries_;
  mutable absl::Mutex mutex_;
  absl::flat_hash_map<std::string, absl::Time> until_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace moderation::ratelimit
