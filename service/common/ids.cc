#include "service/common/ids.h"

#include <array>

#include "absl/strings/ascii.h"

namespace moderation {
namespace {

constexpr absl::string_view kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr std::size_t kIdLength = 26;
constexpr std::size_t kRandomBytes = 10;

int CrockfordValue(char c) {
  const std::size_t pos = kCrockford.find(c);
  return pos == absl::string_view::npos ? -1 : static_cast<int>(pos);
}

// Adds one to a big-endian byte string; false on overflow.
bool Increment(std::string& bytes) {
  for (auto it = bytes.rbegin(); it != bytes.rend(); ++it) {
    unsigned char& byte = reinterpret_cast<unsigned char&>(*it);
    if (++byte != 0) {
      return true;
    }
  }
  return false;
}

}  // namespace

CommentIdGenerator::CommentIdGenerator(const Clock& clock, RandomSource& random)
    : clock_(clock), random_(random) {}

std::string CommentIdGenerator::Next() {
  uint64_t millis = static_cast<uint64_t>(absl::ToUnixMillis(clock_.Now()));
  std::string random_part;
  {
    absl::MutexLock lock(&mutex_);
    if (millis <= last_millis_ && !last_random_.empty()) {
      // Same (or earlier, if the clock stepped back) millisecond: keep order.
      millis = last_millis_;
      random_part = last_random_;
      if (!Increment(random_part)) {
        ++millis;
        random_part = random_.Bytes(kRandomBytes);
      }
    } else {
      random_part = random_.Bytes(kRandomBytes);
    }
    last_millis_ = millis;
    last_random_ = random_part;
  }

  // 128 bits: 48 of time, 80 of randomness, written as 26 base32 digits (130
  // bits, the top two always zero).
  std::array<unsigned char, 16> bits{};
  for (int i = 0; i < 6; ++i) {
    bits[i] = static_cast<unsigned char>(millis >> (8 * (5 - i)));
  }
  for (std::size_t i = 0; i < kRandomBytes; ++i) {
    bits[6 + i] = static_cast<unsigned char>(random_part[i]);
  }
  std::string id(kIdLength, '0');
  for (std::size_t digit = 0; digit < kIdLength; ++digit) {
    // Bit offset of this digit within a 130-bit number whose top 2 bits are 0.
    int value = 0;
    for (int b = 0; b < 5; ++b) {
      const int bit_index = static_cast<int>(digit * 5) + b - 2;
      int bit = 0;
      if (bit_index >= 0) {
        bit = (bits[bit_index / 8] >> (7 - bit_index % 8)) & 1;
      }
      value = (value << 1) | bit;
    }
    id[digit] = kCrockford[value];
  }
  return id;
}

bool IsWellFormedCommentId(absl::string_view id) {
  if (id.size() != kIdLength || CrockfordValue(id[0]) > 7) {
    return false;
  }
  for (char c : id) {
    if (CrockfordValue(c) < 0) {
      return false;
    }
  }
  return true;
}

absl::Time CommentIdTime(absl::string_view id) {
  uint64_t millis = 0;
  for (std::size_t i = 0; i < 10 && i < id.size(); ++i) {
    millis = (millis << 5) | static_cast<uint64_t>(std::max(0, CrockfordValue(id[i])));
  }
  return absl::FromUnixMillis(static_cast<int64_t>(millis));
}

}  // namespace moderation
