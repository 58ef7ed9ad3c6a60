#pragma once

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace moderation::validation {

enum class LineBreaks { kRefuse, kAllow };

enum class TextProblem { kNone, kInvalidUtf8, kControlCharacter };

struct NormalizedText {
  std::string text;             // NFC, trimmed, line breaks as "\n"
  std::size_t code_points = 0;  // length as limits count it
  // False when nothing in the text would show: only white space (NBSP,
  // U+3000 included), default-ignorable characters (zero-width characters,
  // U+FEFF, soft hyphens, Hangul fillers, tag characters), format characters,
  // combining marks without a base, or the blank Braille pattern.
  bool visible = false;
  // The most combining marks (Mn, Me) in a row after one base character, in NFC.
  std::size_t longest_mark_run = 0;
};

// Checks that `raw` is well-formed UTF-8 without control characters (tabs and,
// when allowed, line breaks excepted), then normalises it: CRLF and CR become
// LF, surrounding white space is trimmed, and the text is put in NFC so that
// precomposed and combining Vietnamese forms compare equal. Returns the problem
// found, or kNone with `out` filled. Thread-safe.
[[nodiscard]] TextProblem NormalizeUserText(absl::string_view raw, LineBreaks line_breaks,
                                            NormalizedText& out);

// True for well-formed UTF-8 (no overlongs, surrogates or truncation).
[[nodiscard]] bool IsValidUtf8(absl::string_view text);

}  // namespace moderation::validation
