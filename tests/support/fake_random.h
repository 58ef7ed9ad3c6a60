#pragma once

#include <cstdint>
#include <string>

#include "absl/synchronization/mutex.h"
#include "service/common/random.h"

namespace moderation::testing {

// Deterministic bytes (xorshift), so that tests repeat exactly.
class FakeRandom final : public RandomSource {
 public:
  explicit FakeRandom(uint64_t seed = 0x9E3779B97F4A7C15ULL) : state_(seed) {}

  [[nodiscard]] std::string Bytes(std::size_t count) override {
    absl::MutexLock lock(&mutex_);
    std::string out(count, '\0');
    for (char& c : out) {
      state_ ^= state_ << 13;
      state_ ^= state_ >> 7;
      state_ ^= state_ << 17;
      c = static_cast<char>(state_ & 0xff);
    }
    return out;
  }

 private:
  absl::Mutex mutex_;
  uint64_t state_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace moderation::testing
