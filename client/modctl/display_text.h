#pragma once

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

// How text from the server is laid out in a terminal. Vietnamese letters with
// diacritics take two or three bytes in UTF-8 but one column on screen, so
// every width here is counted in columns, never in bytes.
namespace moderation::modctl {

// Columns `text` (UTF-8) takes in a terminal: two for East Asian wide and
// fullwidth characters, none for combining marks and invisible format
// characters, one for everything else. Control characters count as none:
// pass text through SanitizeForTerminal first. Each ill-formed sequence counts
// as the U+FFFD that replaces it.
[[nodiscard]] std::size_t DisplayWidth(absl::string_view text);

// `text` when it fits in `max_width` columns; otherwise its longest prefix that
// fits together with a trailing "…" (one column). Cuts only between characters
// and keeps combining marks with their base. Ill-formed sequences become U+FFFD.
[[nodiscard]] std::string TruncateToWidth(absl::string_view text, std::size_t max_width);

// `text` followed by spaces up to `width` columns; unchanged when wider.
[[nodiscard]] std::string PadToWidth(absl::string_view text, std::size_t width);

enum class LineBreaks { kReplace, kKeep };

// Text fit to print: control characters, which could move the cursor or
// reconfigure the terminal, become spaces; with LineBreaks::kKeep, line feeds
// and tabs are kept. Ill-formed sequences become U+FFFD.
[[nodiscard]] std::string SanitizeForTerminal(absl::string_view text, LineBreaks line_breaks);

// True for well-formed UTF-8 (no overlongs, surrogates or truncated sequences).
[[nodiscard]] bool IsValidUtf8(absl::string_view text);

// `text` with each ill-formed sequence replaced by U+FFFD.
[[nodiscard]] std::string ToValidUtf8(absl::string_view text);

}  // namespace moderation::modctl
