// The learned filter's model reader on hostile bytes (a snapshot read back
// from Redis or a model file), and feature extraction on hostile text.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "service/classifier/spam_classifier.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  static const auto* untrained = new moderation::classifier::SpamClassifier(
      moderation::classifier::SpamClassifier::Untrained(16));
  const double p = untrained->SpamProbability(untrained->Extract(input));
  if (!(p >= 0 && p <= 1)) {
    __builtin_trap();
  }
  absl::StatusOr<moderation::classifier::SpamClassifier> parsed =
      moderation::classifier::SpamClassifier::Parse(input);
  if (parsed.ok()) {
    const double q = parsed->SpamProbability(parsed->Extract("mua ngay giá rẻ"));
    if (!(q >= 0 && q <= 1)) {
      __builtin_trap();
    }
  }
  return 0;
}
