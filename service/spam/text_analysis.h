#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace moderation::spam {

// One word of a text in the two forms that word lists compare.
struct Word {
  // NFKC case-folded, invisible characters removed, look-alike letters from
  // other scripts replaced by their Latin twins: "Ｂóng" → "bóng".
  std::string folded;
  // `folded` without diacritics, đ as d: "bóng" → "bong".
  std::string plain;

  [[nodiscard]] bool has_diacritics() const { return folded != plain; }
};

// A text as the spam rules see it.
struct AnalyzedText {
  // The whole text folded as above, runs of white space collapsed to one space.
  std::string folded;
  // `folded` without diacritics.
  std::string plain;
  // The words (runs of letters, marks and digits), in order.
  std::vector<Word> words;
  // Words spelled out letter by letter ("v i a g r a", "v.i.a.g.r.a") joined
  // back together, so that word lists still catch them.
  std::vector<Word> joined_words;
  // Letters before folding, and how many of them were upper case (shouting).
  int letters = 0;
  int uppercase_letters = 0;
};

// Normalises text for the spam rules: NFKC with case folding (which also maps
// full-width and mathematical letters to plain ones and drops zero-width and
// bidi control characters), look-alike letters from other scripts mapped to
// Latin through ICU's confusables skeleton, a diacritic-free form, and the
// words. Pure and thread-safe.
[[nodiscard]] AnalyzedText AnalyzeText(absl::string_view utf8);

// Just the folded and plain forms of one word or phrase, as word lists store
// their entries.
[[nodiscard]] std::vector<Word> AnalyzeWords(absl::string_view utf8);

namespace internal {
// AnalyzeText's general path, through ICU for every step; AnalyzeText takes a
// table-driven shortcut when the result is the same. For tests.
[[nodiscard]] AnalyzedText AnalyzeTextWithIcu(absl::string_view utf8);
}  // namespace internal

}  // namespace moderation::spam
