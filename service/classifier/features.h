#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "service/classifier/spam_classifier.h"

// Feature extraction behind SpamClassifier::Extract. Internal to the classifier library.
namespace moderation::classifier::internal {

// Bumped whenever the features a text maps to change, since a model is only valid with the
// features it was trained on. Part of the model format.
inline constexpr uint32_t kFeatureVersion = 1;

// Hashed features of `text` into 2^hash_bits buckets. Thread-safe.
[[nodiscard]] FeatureVector ExtractFeatures(std::string_view text, int hash_bits);

// The text as the features see it: entities decoded, NFKC case-folded. Exposed for tests.
[[nodiscard]] std::string NormalizeForFeatures(std::string_view text);

// `text` (already normalised) with Vietnamese and other Latin diacritics removed and đ as d.
// Exposed for tests.
[[nodiscard]] std::string StripDiacritics(std::string_view normalized);

}  // namespace moderation::classifier::internal
