#pragma once

#include <array>
#include <cstdint>
#include <random>
#include <string>

#include "service/common/random.h"

namespace moderation::captcha {

// Random choices for distortions (angles, waves, noise). They need variety,
// not secrecy: the code itself comes from the secure source, so a fast
// generator seeded once from it is enough, and far cheaper than asking the
// secure source for every sample.
class DistortionRandom {
 public:
  explicit DistortionRandom(RandomSource& secure_random) {
    const std::string bytes = secure_random.Bytes(8);
    std::array<uint32_t, 2> words{};
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      words[i / 4] = (words[i / 4] << 8) | static_cast<unsigned char>(bytes[i]);
    }
    std::seed_seq seed(words.begin(), words.end());
    engine_.seed(seed);
  }

  // Uniform in [low, high).
  double Real(double low, double high) {
    return std::uniform_real_distribution<double>(low, high)(engine_);
  }
  // Uniform in [low, high].
  int Int(int low, int high) { return std::uniform_int_distribution<int>(low, high)(engine_); }
  double Sign() { return Int(0, 1) == 1 ? 1.0 : -1.0; }
  uint32_t Bits() { return static_cast<uint32_t>(engine_()); }

 private:
  std::mt19937 engine_;
};

}  // namespace moderation::captcha
