#pragma once

#include <map>
#include <string>

#include "absl/synchronization/mutex.h"
#include "service/captcha/captcha_store.h"
#include "service/common/clock.h"
#include "service/common/errors.h"

namespace moderation::testing {

// CaptchaStore in a map, expiring by an injected clock. `set_available(false)`
// makes it answer as an unreachable store would.
class InMemoryCaptchaStore final : public captcha::CaptchaStore {
 public:
  explicit InMemoryCaptchaStore(const Clock& clock) : clock_(clock) {}

  void Save(const std::string& captcha_id, const std::string& answer_digest, absl::Duration ttl,
            absl::AnyInvocable<void(absl::Status) &&> done) override {
    if (!available()) {
      std::move(done)(StorageUnavailable("fake store down"));
      return;
    }
    absl::MutexLock lock(&mutex_);
    entries_[captcha_id] = Entry{answer_digest, clock_.Now() + ttl, false};
    ++saves_;
    std::move(done)(absl::OkStatus());
  }

  void Take(const std::string& captcha_id,
            absl::AnyInvocable<void(absl::StatusOr<captcha::TakeResult>) &&> done) override {
    if (!available()) {
      std::move(done)(StorageUnavailable("fake store down"));
      return;
    }
    captcha::TakeResult result;
    {
      absl::MutexLock lock(&mutex_);
      ++takes_;
      auto it = entries_.find(captcha_id);
      if (it == entries_.end() || clock_.Now() >= it->second.expires) {
        result.outcome = captcha::TakeOutcome::kMissing;
      } else if (it->second.used) {
        result.outcome = captcha::TakeOutcome::kAlreadyUsed;
      } else {
        it->second.used = true;
        result.outcome = captcha::TakeOutcome::kTaken;
        result.answer_digest = it->second.digest;
      }
    }
    std::move(done)(std::move(result));
  }

  void ClaimProofOfWork(const std::string& challenge, absl::Duration ttl,
                        absl::AnyInvocable<void(absl::StatusOr<bool>) &&> done) override {
    if (!available()) {
      std::move(done)(StorageUnavailable("fake store down"));
      return;
    }
    bool first = false;
    {
      absl::MutexLock lock(&mutex_);
      auto it = claims_.find(challenge);
      first = it == claims_.end() || clock_.Now() >= it->second;
      if (first) {
        claims_[challenge] = clock_.Now() + ttl;
      }
    }
    std::move(done)(first);
  }

  void set_available(bool available) {
    absl::MutexLock lock(&mutex_);
    available_ = available;
  }
  [[nodiscard]] bool available() const {
    absl::MutexLock lock(&mutex_);
    return available_;
  }
  [[nodiscard]] int takes() const {
    absl::MutexLock lock(&mutex_);
    return takes_;
  }
  [[nodiscard]] std::map<std::string, std::string> digests() const {
    absl::MutexLock lock(&mutex_);
    std::map<std::string, std::string> out;
    for (const auto& [id, entry] : entries_) {
      out[id] = entry.digest;
    }
    return out;
  }

 private:
  struct Entry {
    std::string digest;
    absl::Time expires;
    bool used = false;
  };

  const Clock& clock_;
  mutable absl::Mutex mutex_;
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mutex_);
  std::map<std::string, absl::Time> claims_ ABSL_GUARDED_BY(mutex_);
  bool available_ ABSL_GUARDED_BY(mutex_) = true;
  int saves_ ABSL_GUARDED_BY(mutex_) = 0;
  int takes_ ABSL_GUARDED_BY(mutex_) = 0;
};

}  // namespace moderation::testing
