#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "service/common/clock.h"
#include "service/spam/spam_memory.h"

namespace moderation::testing {

// SpamMemory in maps; what is remembered is forgotten after the record's
// windows, by `clock` (the system's when none is given). Answers inline.
class InMemorySpamMemory final : public spam::SpamMemory {
 public:
  InMemorySpamMemory() : clock_(SystemTime()) {}
  explicit InMemorySpamMemory(const Clock& clock) : clock_(clock) {}

  void Recall(const spam::BodyRecord& record,
              absl::AnyInvocable<void(absl::StatusOr<spam::Recollection>) &&> done) override {
    spam::Recollection recollection;
    {
      absl::MutexLock lock(&mutex_);
      ++recalls_;
      const absl::Time now = clock_.Now();
      for (const Copy& copy : copies_) {
        recollection.earlier_copies +=
            copy.body_digest == record.body_digest && copy.until > now ? 1 : 0;
      }
      if (record.simhash) {
        std::set<std::string> authors;
        for (const Copy& copy : copies_) {
          if (copy.simhash && copy.near_until > now && copy.author_digest != record.author_digest &&
              spam::HammingDistance(*copy.simhash, *record.simhash) <= record.max_distance) {
            authors.insert(copy.author_digest);
          }
        }
        recollection.near_duplicate_authors = static_cast<int>(authors.size());
      }
    }
    std::move(done)(recollection);
  }

  void Remember(const spam::BodyRecord& record) override {
    absl::MutexLock lock(&mutex_);
    const absl::Time now = clock_.Now();
    copies_.push_back(Copy{.body_digest = record.body_digest,
                           .simhash = record.simhash,
                           .author_digest = record.author_digest,
                           .until = now + record.repeat_window,
                           .near_until = now + record.near_window});
  }

  [[nodiscard]] int recalls() const {
    absl::MutexLock lock(&mutex_);
    return recalls_;
  }

 private:
  struct Copy {
    std::string body_digest;
    std::optional<uint64_t> simhash;
    std::string author_digest;
    absl::Time until;       // counts as a repeat until then
    absl::Time near_until;  // counts as a near-duplicate until then
  };
  static const Clock& SystemTime() {
    static const SystemClock* const clock = new SystemClock();
    return *clock;
  }

  const Clock& clock_;
  mutable absl::Mutex mutex_;
  std::vector<Copy> copies_ ABSL_GUARDED_BY(mutex_);
  int recalls_ ABSL_GUARDED_BY(mutex_) = 0;
};

}  // namespace moderation::testing
