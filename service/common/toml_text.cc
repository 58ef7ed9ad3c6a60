#include "service/common/toml_text.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace moderation {
namespace {

absl::Status ParseError(absl::string_view source, const toml::parse_error& error) {
  return absl::InvalidArgumentError(absl::StrCat(source, ":",
                                                 static_cast<uint64_t>(error.source().begin.line),
                                                 ": ", std::string(error.description())));
}

}  // namespace

absl::StatusOr<toml::table> ParseTomlText(absl::string_view text, absl::string_view source) {
  if (absl::Status checked = CheckTomlText(text, source); !checked.ok()) {
    return checked;
  }
  if (toml::parse_result shape = toml::parse(AsciiSkeleton(text)); !shape) {
    return ParseError(source, shape.error());
  }
  toml::parse_result parsed = toml::parse(std::string_view(text.data(), text.size()),
                                          std::string_view(source.data(), source.size()));
  if (!parsed) {
    return ParseError(source, parsed.error());
  }
  return std::move(parsed).table();
}

namespace {

// Length of the UTF-8 sequence starting at `i`, or 0 if it is malformed
// (overlong forms, surrogates and values beyond U+10FFFF included).
std::size_t Utf8Length(absl::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  std::size_t length = 0;
  uint32_t code = 0;
  if (lead < 0x80) {
    return 1;
  }
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    code = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    code = lead & 0x0F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    code = lead & 0x07;
  } else {
    return 0;
  }
  if (i + length > text.size()) {
    return 0;
  }
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) {
      return 0;
    }
    code = (code << 6) | (byte(i + k) & 0x3F);
  }
  if ((length == 3 && (code < 0x800 || (code >= 0xD800 && code <= 0xDFFF))) ||
      (length == 4 && (code < 0x10000 || code > 0x10FFFF))) {
    return 0;
  }
  return length;
}

}  // namespace

absl::Status CheckTomlText(absl::string_view text, absl::string_view source) {
  enum class State { kCode, kComment, kBasic, kLiteral, kMultiBasic, kMultiLiteral };
  State state = State::kCode;
  int line = 1;
  // In code, the last character that was not white space: a string may only
  // open where TOML puts a key or a value, so that this scan and the parser
  // never disagree on what is inside a string.
  char last = '\n';
  const auto error = [&](absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat(source, ":", line, ": ", what));
  };
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t length = Utf8Length(text, i);
    if (length == 0) {
      return error("not valid UTF-8");
    }
    const char c = text[i];
    const absl::string_view rest = text.substr(i);
    if (c == '\n') {
      ++line;
      if (state == State::kComment || state == State::kBasic || state == State::kLiteral) {
        // Comments end at the line's end; a one-line string left open is an
        // error the parser reports.
        state = State::kCode;
      }
      if (state == State::kCode) {
        last = '\n';
      }
      ++i;
      continue;
    }
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\r') || c == 0x7f) {
      return error("a control character");
    }
    if (length > 1 && state == State::kCode) {
      return error("a character beyond ASCII outside a string or comment");
    }
    std::size_t step = length;
    switch (state) {
      case State::kCode: {
        const bool opens =
            last == '\n' || last == '=' || last == '[' || last == ',' || last == '{' || last == '.';
        if (c == '#') {
          state = State::kComment;
        } else if (c == '"' || c == '\'') {
          if (!opens) {
            return error("a quote where no string can start");
          }
          if (absl::StartsWith(rest, "\"\"\"")) {
            state = State::kMultiBasic;
            step = 3;
          } else if (absl::StartsWith(rest, "'''")) {
            state = State::kMultiLiteral;
            step = 3;
          } else {
            state = c == '"' ? State::kBasic : State::kLiteral;
          }
          last = c;
        } else if (c != ' ' && c != '\t' && c != '\r') {
          last = c;
        }
        break;
      }
      case State::kComment:
        break;
      case State::kBasic:
        if (c == '\\' && i + 1 < text.size() && text[i + 1] != '\n') {
          step = 1 + std::max<std::size_t>(1, Utf8Length(text, i + 1));  // escaped, quotes too
        } else if (c == '"') {
          state = State::kCode;
        }
        break;
      case State::kLiteral:
        if (c == '\'') {
          state = State::kCode;
        }
        break;
      case State::kMultiBasic:
        if (c == '\\' && i + 1 < text.size() && text[i + 1] != '\n') {
          step = 1 + std::max<std::size_t>(1, Utf8Length(text, i + 1));
        } else if (absl::StartsWith(rest, "\"\"\"")) {
          state = State::kCode;
          step = 3;
        }
        break;
      case State::kMultiLiteral:
        if (absl::StartsWith(rest, "'''")) {
          state = State::kCode;
          step = 3;
        }
        break;
    }
    i += step;
  }
  return absl::OkStatus();
}

std::string AsciiSkeleton(absl::string_view text) {
  std::string skeleton;
  skeleton.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t length = Utf8Length(text, i);
    if (length <= 1) {
      skeleton.push_back(length == 1 ? text[i] : 'x');
      ++i;
      continue;
    }
    skeleton.push_back('x');
    i += length;
  }
  return skeleton;
}

}  // namespace moderation
