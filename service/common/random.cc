#include "service/common/random.h"

#include <cstdint>

namespace moderation {

std::size_t RandomSource::Uniform(std::size_t bound) {
  // Rejection sampling keeps the distribution uniform.
  const uint64_t limit = UINT64_MAX - (UINT64_MAX % bound);
  while (true) {
    const std::string raw = Bytes(sizeof(uint64_t));
    uint64_t value = 0;
    for (char c : raw) {
      value = (value << 8) | static_cast<unsigned char>(c);
    }
    if (value < limit) {
      return static_cast<std::size_t>(value % bound);
    }
  }
}

}  // namespace moderation
