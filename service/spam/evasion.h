#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "service/spam/text_analysis.h"

// Undoes the ways advertisers write contacts and links so that a filter does
// not read them: "O96O.O33.834", "không chín một...", keycap digits, "x [.] com",
// "x chấm com", "bit ly/". Works on folded text (see AnalyzedText). Pure.
namespace moderation::spam {

// `folded` with digits behind look-alike letters restored in number-like
// tokens ("o96o.o33.834" → "096.033.834", "6l3" → "613") and keycap marks
// dropped, then every run of at least eight digits written as Vietnamese or
// English words ("không chín một", "zero nine") appended as digits, so that a
// phone pattern finds them.
[[nodiscard]] std::string UnmaskDigits(const AnalyzedText& text);

// `folded` with disguised dots written as dots where a domain follows:
// "x [.] com", "x (.) com", "x (chấm) vn", "x chấm com", "x . net", "bit ly/y".
// `disguised` is set when one was found.
[[nodiscard]] std::string UnmaskLinks(const std::string& folded, bool& disguised);

// `utf8` without the parts inside quotation marks ("…", “…”, «…»): what the
// writer says in their own words, as opposed to what they quote.
[[nodiscard]] std::string WithoutQuotations(absl::string_view utf8);

}  // namespace moderation::spam
