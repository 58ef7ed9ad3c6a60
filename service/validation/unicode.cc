#include "service/validation/unicode.h"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>

#include "absl/strings/ascii.h"

namespace moderation::validation {
namespace {

bool IsRefusedControl(UChar32 c, LineBreaks line_breaks) {
  if (c == '\t') {
    return false;
  }
  if (c == '\n') {
    return line_breaks == LineBreaks::kRefuse;
  }
  // Bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069)
  // reorder the text around them, so a comment could show the page something
  // other than what moderators read. The joiners (ZWJ, ZWNJ) stay allowed:
  // emoji sequences and some scripts need them.
  if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) {
    return true;
  }
  // C0 and DEL and C1 controls; line and paragraph separators, which break
  // layouts the same way a newline would.
  return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029;
}

// Drawn by nothing: judged by ICU's properties rather than a list of
// characters, so that new invisible characters are caught as ICU learns them.
bool IsInvisible(UChar32 c) {
  if (u_isUWhiteSpace(c) || u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT)) {
    return true;
  }
  const int8_t category = u_charType(c);
  // Format characters, controls, unassigned, and the blank Braille pattern
  // (a Symbol to ICU, yet blank on every screen).
  return category == U_FORMAT_CHAR || category == U_CONTROL_CHAR || category == U_UNASSIGNED ||
         category == U_NON_SPACING_MARK || category == U_ENCLOSING_MARK || c == 0x2800;
}

bool IsCombiningMark(UChar32 c) {
  const int8_t category = u_charType(c);
  return category == U_NON_SPACING_MARK || category == U_ENCLOSING_MARK;
}

}  // namespace

bool IsValidUtf8(absl::string_view text) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const int32_t length = static_cast<int32_t>(text.size());
  int32_t i = 0;
  while (i < length) {
    UChar32 c = 0;
    U8_NEXT(bytes, i, length, c);
    if (c < 0) {
      return false;
    }
  }
  return true;
}

TextProblem NormalizeUserText(absl::string_view raw, LineBreaks line_breaks, NormalizedText& out) {
  if (!IsValidUtf8(raw)) {
    return TextProblem::kInvalidUtf8;
  }
  // Unify line breaks first so that a CR is judged as the line break it is.
  std::string unified;
  unified.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\r') {
      unified.push_back('\n');
      if (i + 1 < raw.size() && raw[i + 1] == '\n') {
        ++i;
      }
    } else {
      unified.push_back(raw[i]);
    }
  }

  const auto* bytes = reinterpret_cast<const uint8_t*>(unified.data());
  const int32_t length = static_cast<int32_t>(unified.size());
  for (int32_t i = 0; i < length;) {
    UChar32 c = 0;
    U8_NEXT(bytes, i, length, c);
    if (IsRefusedControl(c, line_breaks)) {
      return TextProblem::kControlCharacter;
    }
  }

  const absl::string_view trimmed = absl::StripAsciiWhitespace(unified);
  UErrorCode error = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(error);
  std::string normalized;
  if (U_SUCCESS(error) && nfc->isNormalizedUTF8(trimmed, error) && U_SUCCESS(error)) {
    normalized.assign(trimmed.data(), trimmed.size());
  } else {
    error = U_ZERO_ERROR;
    icu::StringByteSink<std::string> sink(&normalized);
    nfc->normalizeUTF8(0, trimmed, sink, nullptr, error);
    if (U_FAILURE(error)) {
      // Only reachable on malformed input, which was refused above.
      return TextProblem::kInvalidUtf8;
    }
  }

  std::size_t code_points = 0;
  bool visible = false;
  std::size_t mark_run = 0;
  std::size_t longest_mark_run = 0;
  const auto* normalized_bytes = reinterpret_cast<const uint8_t*>(normalized.data());
  const auto normalized_length = static_cast<int32_t>(normalized.size());
  for (int32_t i = 0; i < normalized_length;) {
    UChar32 c = 0;
    U8_NEXT(normalized_bytes, i, normalized_length, c);
    ++code_points;
    visible = visible || !IsInvisible(c);
    mark_run = IsCombiningMark(c) ? mark_run + 1 : 0;
    longest_mark_run = std::max(longest_mark_run, mark_run);
  }
  out.text = std::move(normalized);
  out.code_points = code_points;
  out.visible = visible;
  out.longest_mark_run = longest_mark_run;
  return TextProblem::kNone;
}

}  // namespace moderation::validation
