#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "service/audit/audit_log.h"
#include "service/common/errors.h"

namespace moderation::testing {

// The audit log in a vector, without the HMAC chain (sequence numbers only):
// for testing what reads the log, not the chain. Page tokens are sequence
// numbers. `set_available(false)` makes every call fail as an unreachable store.
class InMemoryAuditLog final : public audit::AuditLog {
 public:
  void Append(audit::Event event, audit::Callback<audit::Entry> done) override {
    audit::Entry entry;
    {
      absl::MutexLock lock(&mutex_);
      if (!available_) {
        std::move(done)(StorageUnavailable("fake audit log down"));
        return;
      }
      entry.event = std::move(event);
      entry.sequence = static_cast<int64_t>(entries_.size()) + 1;
      entry.entry_id = absl::StrCat(entry.sequence);
      entries_.push_back(entry);
    }
    std::move(done)(std::move(entry));
  }

  void List(audit::Query query, audit::Callback<audit::Page> done) override {
    int64_t after = 0;
    if (!query.after.empty() && !absl::SimpleAtoi(query.after, &after)) {
      std::move(done)(absl::InvalidArgumentError("bad page token"));
      return;
    }
    audit::Page page;
    {
      absl::MutexLock lock(&mutex_);
      if (!available_) {
        std::move(done)(StorageUnavailable("fake audit log down"));
        return;
      }
      for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
        if (after != 0 && it->sequence >= after) {
          continue;
        }
        if ((!query.actor.empty() && it->event.actor != query.actor) ||
            (query.start && it->event.time < *query.start) ||
            (query.end && it->event.time >= *query.end)) {
          continue;
        }
        if (static_cast<int>(page.entries.size()) == query.limit) {
          page.next_page_token = page.entries.back().entry_id;
          break;
        }
        page.entries.push_back(*it);
      }
    }
    std::move(done)(std::move(page));
  }

  void ForComment(const std::string& comment_id,
                  audit::Callback<std::vector<audit::Entry>> done) override {
    std::vector<audit::Entry> found;
    {
      absl::MutexLock lock(&mutex_);
      for (const audit::Entry& entry : entries_) {
        if (entry.event.comment_id == comment_id) {
          found.push_back(entry);
        }
      }
    }
    std::move(done)(std::move(found));
  }

  void Verify(audit::Callback<audit::Verification> done) override {
    audit::Verification verification;
    {
      absl::MutexLock lock(&mutex_);
      verification.checked = static_cast<int64_t>(entries_.size());
      verification.head_sequence = verification.checked;
    }
    std::move(done)(verification);
  }

  void Since(absl::Time start, int max_entries, audit::Callback<audit::Recent> done) override {
    audit::Recent recent;
    {
      absl::MutexLock lock(&mutex_);
      if (!available_) {
        std::move(done)(StorageUnavailable("fake audit log down"));
        return;
      }
      for (const audit::Entry& entry : entries_) {
        if (entry.event.time >= start) {
          recent.entries.push_back(entry);
        }
      }
    }
    if (static_cast<int>(recent.entries.size()) > max_entries) {
      recent.entries.erase(recent.entries.begin(), recent.entries.end() - max_entries);
      recent.partial = true;
    }
    std::move(done)(std::move(recent));
  }

  void set_available(bool available) {
    absl::MutexLock lock(&mutex_);
    available_ = available;
  }

 private:
  absl::Mutex mutex_;
  std::vector<audit::Entry> entries_ ABSL_GUARDED_BY(mutex_);
  bool available_ ABSL_GUARDED_BY(mutex_) = true;
};

}  // namespace moderation::testing
