#include "service/spam/evasion.h"

#include <re2/re2.h>

#include <array>
#include <cstdint>
#include <string_view>

#include "absl/strings/match.h"

namespace moderation::spam {
namespace {

// A word of up to seven bytes as one integer (its length in the top byte), so
// that it is compared with the whole list below by integer compares (a memcmp
// per entry was a tenth of the contact rule's time); 0 for anything longer.
constexpr uint64_t Packed(absl::string_view word) {
  if (word.size() > 7) {
    return 0;
  }
  uint64_t packed = word.size();
  for (char c : word) {
    packed = (packed << 8) | static_cast<unsigned char>(c);
  }
  return packed << (8 * (7 - word.size()));
}

// Vietnamese and English digit words, by their diacritic-free form.
int DigitOfWord(absl::string_view plain) {
  struct DigitWord {
    uint64_t packed;
    int digit;
  };
  static constexpr std::array<DigitWord, 24> kWords = {{
      {Packed("khong"), 0}, {Packed("linh"), 0},  {Packed("mot"), 1},  {Packed("hai"), 2},
      {Packed("ba"), 3},    {Packed("bon"), 4},   {Packed("tu"), 4},   {Packed("nam"), 5},
      {Packed("lam"), 5},   {Packed("sau"), 6},   {Packed("bay"), 7},  {Packed("tam"), 8},
      {Packed("chin"), 9},  {Packed("zero"), 0},  {Packed("one"), 1},  {Packed("two"), 2},
      {Packed("three"), 3}, {Packed("four"), 4},  {Packed("five"), 5}, {Packed("six"), 6},
      {Packed("seven"), 7}, {Packed("eight"), 8}, {Packed("nine"), 9}, {Packed("oh"), 0},
  }};
  const uint64_t packed = Packed(plain);
  if (packed == 0) {
    return -1;
  }
  for (const DigitWord& word : kWords) {
    if (packed == word.packed) {
      return word.digit;
    }
  }
  return -1;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// A token made only of digits, look-alike letters (o for 0, l and i for 1)
// and number punctuation, with a real digit and three characters or more: a
// number in disguise ("o96o", "2oo", "6l3").
bool IsMaskedNumber(absl::string_view token) {
  int digits = 0;
  bool look_alike = false;
  for (char c : token) {
    if (IsDigit(c)) {
      ++digits;
    } else if (c == 'o' || c == 'l' || c == 'i') {
      look_alike = true;
    } else if (c != '.' && c != '-' && c != '(' && c != ')' && c != '+') {
      return false;
    }
  }
  return look_alike && digits >= 1 && token.size() >= 3;
}

}  // namespace

std::string UnmaskDigits(const AnalyzedText& text) {
  std::string out;
  out.reserve(text.folded.size() + 16);
  // Keycap digits ("0️⃣") fold to the digit and U+20E3: the mark goes.
  static constexpr absl::string_view kKeycap = "\xE2\x83\xA3";
  std::size_t start = 0;
  const std::string& folded = text.folded;
  while (start <= folded.size()) {
    std::size_t end = folded.find(' ', start);
    if (end == std::string::npos) {
      end = folded.size();
    }
    absl::string_view token(folded.data() + start, end - start);
    if (IsMaskedNumber(token)) {
      for (char c : token) {
        out.push_back(c == 'o' ? '0' : (c == 'l' || c == 'i') ? '1' : c);
      }
    } else if (absl::StrContains(token, kKeycap)) {
      for (std::size_t i = 0; i < token.size(); ++i) {
        if (token.substr(i, kKeycap.size()) == kKeycap) {
          i += kKeycap.size() - 1;
        } else {
          out.push_back(token[i]);
        }
      }
    } else {
      out.append(token.data(), token.size());
    }
    if (end < folded.size()) {
      out.push_back(' ');
    }
    start = end + 1;
  }
  // Numbers spelled out digit by digit.
  constexpr std::size_t kMinDigits = 8;
  std::string digits;
  const auto flush = [&] {
    if (digits.size() >= kMinDigits) {
      out.push_back(' ');
      out += digits;
    }
    digits.clear();
  };
  for (const Word& word : text.words) {
    const int digit = DigitOfWord(word.plain);
    if (digit < 0) {
      flush();
      continue;
    }
    digits.push_back(static_cast<char>('0' + digit));
  }
  flush();
  return out;
}

std::string UnmaskLinks(const std::string& folded, bool& disguised) {
  disguised = false;
  // Cheap test first: most comments have none of these.
  if (folded.find('(') == std::string::npos && folded.find('[') == std::string::npos &&
      folded.find('{') == std::string::npos && folded.find(" . ") == std::string::npos &&
      folded.find("chấm") == std::string::npos && folded.find("cham") == std::string::npos &&
      folded.find("dot") == std::string::npos && folded.find(" ly/") == std::string::npos) {
    return folded;
  }
  static const auto* const kBracketed =
      new RE2(R"(\s*[\[\(\{]\s*(?:\.|dot|chấm|cham)\s*[\]\)\}]\s*)");
  static const auto* const kSpokenDot = new RE2(
      R"(([a-z0-9])\s+(?:chấm|cham|dot)\s+(com|net|org|vn|info|biz|xyz|top|io|co|me|cc|site|online|shop|club|app|link|live|store|asia|win|bet|vip|fun|icu|pro|tv)\b)");
  // A spaced dot is also how sentences end and start: only the usual
  // commercial endings, which are no Vietnamese words.
  static const auto* const kSpacedDot =
      new RE2(R"(([a-z0-9])\s+\.\s+(com|net|org|vn|info|biz|xyz|site|online|club|vip|bet|asia)\b)");
  static const auto* const kShortener = new RE2(R"(\b(bit|cutt|tinyurl|goo)\s+(ly|gl|com)/)");
  std::string out = folded;
  int replaced = RE2::GlobalReplace(&out, *kBracketed, ".");
  replaced += RE2::GlobalReplace(&out, *kSpokenDot, "\\1.\\2");
  replaced += RE2::GlobalReplace(&out, *kSpacedDot, "\\1.\\2");
  replaced += RE2::GlobalReplace(&out, *kShortener, "\\1.\\2/");
  disguised = replaced > 0;
  return out;
}

std::string WithoutQuotations(absl::string_view utf8) {
  // Pairs of opening and closing marks; a quotation longer than this is not
  // a quote but a mismatched mark, and is kept.
  constexpr std::size_t kMaxQuote = 160;
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 4> kMarks = {{
      {"\"", "\""},
      {"\xE2\x80\x9C", "\xE2\x80\x9D"},  // “ ”
      {"\xC2\xAB", "\xC2\xBB"},          // « »
      {"\xE2\x80\x98", "\xE2\x80\x99"},  // ‘ ’
  }};
  std::string text(utf8);
  for (const auto& [open, close] : kMarks) {
    std::string out;
    out.reserve(text.size());
    std::size_t from = 0;
    while (true) {
      const std::size_t start = text.find(open, from);
      if (start == std::string::npos) {
        break;
      }
      const std::size_t end = text.find(close, start + open.size());
      if (end == std::string::npos || end - start > kMaxQuote) {
        break;
      }
      out.append(text, from, start - from);
      out.push_back(' ');
      from = end + close.size();
    }
    out.append(text, from, std::string::npos);
    text = std::move(out);
  }
  return text;
}

}  // namespace moderation::spam
