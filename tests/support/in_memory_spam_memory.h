#pragma once

#include <map>
#include <set>
#include <string>

#include "absl/synchronization/mutex.h"
#include "service/spam/spam_memory.h"

namespace moderation::testing {

// SpamMemory in maps, without windows (nothing expires). Answers inline.
class InMemorySpamMemory final : public spam::SpamMemory {
 public:
  void Recall(const spam::BodyRecord& record,
              absl::AnyInvocable<void(absl::StatusOr<spam::Recollection>) &&> done) override {
    spam::Recollection recollection;
    {
      absl::MutexLock lock(&mutex_);
      ++recalls_;
      if (auto it = copies_.find(record.body_digest); it != copies_.end()) {
        recollection.earlier_copies = it->second;
      }
      if (record.simhash) {
        std::set<std::string> authors;
        for (const auto& [hash, author] : hashes_) {
          if (author != record.author_digest &&
              spam::HammingDistance(hash, *record.simhash) <= record.max_distance) {
            authors.insert(author);
          }
        }
        recollection.near_duplicate_authors = static_cast<int>(authors.size());
      }
    }
    std::move(done)(recollection);
  }

  void Remember(const spam::BodyRecord& record) override {
    absl::MutexLock lock(&mutex_);
    ++copies_[record.body_digest];
    if (record.simhash) {
      hashes_.insert({*record.simhash, record.author_digest});
    }
  }

  [[nodiscard]] int recalls() const {
    absl::MutexLock lock(&mutex_);
    return recalls_;
  }

 private:
  mutable absl::Mutex mutex_;
  std::map<std::string, int64_t> copies_ ABSL_GUARDED_BY(mutex_);
  std::set<std::pair<uint64_t, std::string>> hashes_ ABSL_GUARDED_BY(mutex_);
  int recalls_ ABSL_GUARDED_BY(mutex_) = 0;
};

}  // namespace moderation::testing
