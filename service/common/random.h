#pragma once

#include <cstddef>
#include <string>

namespace moderation {

// Source of unpredictable bytes (ids, captcha codes, nonces). Injected so tests
// can be deterministic.
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  // Returns `count` random bytes. Thread-safe.
  [[nodiscard]] virtual std::string Bytes(std::size_t count) = 0;
  // Returns a uniform integer in [0, bound). `bound` must be positive.
  [[nodiscard]] std::size_t Uniform(std::size_t bound);
};

}  // namespace moderation
