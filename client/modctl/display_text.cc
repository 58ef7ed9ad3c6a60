#include "client/modctl/display_text.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <cstdint>

namespace moderation::modctl {
namespace {

constexpr absl::string_view kEllipsis = "…";
constexpr std::size_t kEllipsisWidth = 1;
constexpr absl::string_view kReplacementCharacter = "\xEF\xBF\xBD";
constexpr UChar32 kReplacementCodePoint = 0xFFFD;
constexpr UChar32 kSoftHyphen = 0x00AD;

// Walks UTF-8 text one code point at a time. Each ill-formed sequence reads as
// U+FFFD, so callers never copy a broken sequence to their output.
class CodePointReader {
 public:
  explicit CodePointReader(absl::string_view text)
      : bytes_(reinterpret_cast<const uint8_t*>(text.data())),
        length_(static_cast<int32_t>(text.size())),
        text_(text) {}

  // False at the end of the text. Otherwise sets `c` and `encoded`, the bytes
  // that reproduce it (U+FFFD's own bytes for an ill-formed sequence).
  bool Next(UChar32& c, absl::string_view& encoded) {
    if (offset_ >= length_) {
      return false;
    }
    const int32_t start = offset_;
    U8_NEXT(bytes_, offset_, length_, c);
    if (c < 0) {
      c = kReplacementCodePoint;
      encoded = kReplacementCharacter;
    } else {
      encoded =
          text_.substr(static_cast<std::size_t>(start), static_cast<std::size_t>(offset_ - start));
    }
    return true;
  }

 private:
  const uint8_t* bytes_;
  // Comment fields are bounded by the gRPC message size, far below 2 GiB.
  int32_t length_;
  int32_t offset_ = 0;
  absl::string_view text_;
};

bool IsControl(UChar32 c) {
  // C0, DEL and C1, plus the line and paragraph separators, which break a
  // layout the way a line feed does.
  return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029;
}

std::size_t CodePointWidth(UChar32 c) {
  if (IsControl(c) || u_getCombiningClass(c) > 0) {
    return 0;
  }
  switch (u_charType(c)) {
    case U_NON_SPACING_MARK:
    case U_ENCLOSING_MARK:
      return 0;
    case U_FORMAT_CHAR:
      // Zero width space, joiners and bidi marks draw nothing; terminals do
      // draw the soft hyphen.
      return c == kSoftHyphen ? 1 : 0;
    default:
      break;
  }
  const int east_asian_width = u_getIntPropertyValue(c, UCHAR_EAST_ASIAN_WIDTH);
  return east_asian_width == U_EA_WIDE || east_asian_width == U_EA_FULLWIDTH ? 2 : 1;
}

}  // namespace

std::size_t DisplayWidth(absl::string_view text) {
  std::size_t width = 0;
  CodePointReader reader(text);
  UChar32 c = 0;
  absl::string_view encoded;
  while (reader.Next(c, encoded)) {
    width += CodePointWidth(c);
  }
  return width;
}

std::string TruncateToWidth(absl::string_view text, std::size_t max_width) {
  const bool fits = DisplayWidth(text) <= max_width;
  if (!fits && max_width < kEllipsisWidth) {
    return "";
  }
  const std::size_t budget = fits ? max_width : max_width - kEllipsisWidth;
  std::string out;
  out.reserve(text.size());
  std::size_t used = 0;
  CodePointReader reader(text);
  UChar32 c = 0;
  absl::string_view encoded;
  // Stopping at the first character that does not fit (rather than skipping
  // it) also drops the combining marks that belong to it.
  while (reader.Next(c, encoded)) {
    const std::size_t width = CodePointWidth(c);
    if (used + width > budget) {
      break;
    }
    used += width;
    out.append(encoded.data(), encoded.size());
  }
  if (!fits) {
    out.append(kEllipsis.data(), kEllipsis.size());
  }
  return out;
}

std::string PadToWidth(absl::string_view text, std::size_t width) {
  std::string out(text);
  const std::size_t text_width = DisplayWidth(text);
  if (text_width < width) {
    out.append(width - text_width, ' ');
  }
  return out;
}

std::string SanitizeForTerminal(absl::string_view text, LineBreaks line_breaks) {
  std::string out;
  out.reserve(text.size());
  CodePointReader reader(text);
  UChar32 c = 0;
  absl::string_view encoded;
  while (reader.Next(c, encoded)) {
    if (line_breaks == LineBreaks::kKeep && (c == '\n' || c == '\t')) {
      out.push_back(static_cast<char>(c));
    } else if (IsControl(c)) {
      out.push_back(' ');
    } else {
      out.append(encoded.data(), encoded.size());
    }
  }
  return out;
}

bool IsValidUtf8(absl::string_view text) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const auto length = static_cast<int32_t>(text.size());
  int32_t offset = 0;
  while (offset < length) {
    UChar32 c = 0;
    U8_NEXT(bytes, offset, length, c);
    if (c < 0) {
      return false;
    }
  }
  return true;
}

std::string ToValidUtf8(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  CodePointReader reader(text);
  UChar32 c = 0;
  absl::string_view encoded;
  while (reader.Next(c, encoded)) {
    out.append(encoded.data(), encoded.size());
  }
  return out;
}

}  // namespace moderation::modctl
