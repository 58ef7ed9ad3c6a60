#pragma once

#include <algorithm>
#include <map>
#include <string>

#include "absl/synchronization/mutex.h"
#include "service/bans/ban.h"
#include "service/common/clock.h"
#include "service/common/errors.h"

namespace moderation::testing {

// BanStore in a map; bans expire by the injected clock.
class InMemoryBanStore final : public bans::BanStore {
 public:
  explicit InMemoryBanStore(const Clock& clock) : clock_(clock) {}

  void Put(bans::Ban ban, absl::AnyInvocable<void(absl::Status) &&> done) override {
    {
      absl::MutexLock lock(&mutex_);
      bans_[ban.id] = ban;
    }
    std::move(done)(absl::OkStatus());
  }

  void Delete(const std::string& ban_id, absl::AnyInvocable<void(absl::Status) &&> done) override {
    bool erased = false;
    {
      absl::MutexLock lock(&mutex_);
      erased = Live(ban_id) && bans_.erase(ban_id) > 0;
    }
    std::move(done)(erased ? absl::OkStatus() : absl::NotFoundError(ban_id));
  }

  void List(int offset, int limit,
            absl::AnyInvocable<void(absl::StatusOr<std::vector<bans::Ban>>) &&> done) override {
    std::vector<bans::Ban> live;
    {
      absl::MutexLock lock(&mutex_);
      for (const auto& [id, ban] : bans_) {
        if (Live(id)) {
          live.push_back(ban);
        }
      }
    }
    // Newest first, as the interface says.
    std::stable_sort(live.begin(), live.end(), [](const bans::Ban& a, const bans::Ban& b) {
      return a.create_time > b.create_time;
    });
    std::vector<bans::Ban> page;
    for (int i = offset; i < static_cast<int>(live.size()) && i < offset + limit; ++i) {
      page.push_back(live[i]);
    }
    std::move(done)(std::move(page));
  }

  void FindAny(
      std::vector<std::string> ban_ids, absl::Duration /*timeout*/,
      absl::AnyInvocable<void(absl::StatusOr<std::optional<bans::Ban>>) &&> done) override {
    std::optional<bans::Ban> found;
    {
      absl::MutexLock lock(&mutex_);
      for (const std::string& id : ban_ids) {
        if (Live(id)) {
          found = bans_.at(id);
          break;
        }
      }
    }
    std::move(done)(std::move(found));
  }

 private:
  bool Live(const std::string& id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    auto it = bans_.find(id);
    return it != bans_.end() && (!it->second.expire_time || *it->second.expire_time > clock_.Now());
  }

  const Clock& clock_;
  absl::Mutex mutex_;
  std::map<std::string, bans::Ban> bans_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace moderation::testing
