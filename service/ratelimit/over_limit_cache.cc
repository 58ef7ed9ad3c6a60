#include "service/ratelimit/over_limit_cache.h"

namespace moderation::ratelimit {

absl::Duration OverLimitCache::RemainingFor(const std::string& key, absl::Time now) {
  absl::MutexLock lock(&mutex_);
  auto it = until_.find(key);
  if (it == until_.end()) {
    return absl::ZeroDuration();
  }
  if (it->second <= now) {
    until_.erase(it);
    return absl::ZeroDuration();
  }
  return it->second - now;
}

void OverLimitCache::Remember(const std::string& key, absl::Time until, absl::Time now) {
  absl::MutexLock lock(&mutex_);
  if (until_.size() >= max_entries_ && !until_.contains(key)) {
    for (auto it = until_.begin(); it != until_.end();) {
      if (it->second <= now) {
        until_.erase(it++);
      } else {
        ++it;
      }
    }
    if (until_.size() >= max_entries_) {
      return;
    }
  }
  until_[key] = until;
}

std::size_t OverLimitCache::size() const {
  absl::MutexLock lock(&mutex_);
  return until_.size();
}

}  // namespace moderation::ratelimit
