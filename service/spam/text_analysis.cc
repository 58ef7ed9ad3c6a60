#include "service/spam/text_analysis.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uscript.h>
#include <unicode/uspoof.h>

#include <optional>
#include <vector>

namespace moderation::spam {
namespace {

struct IcuTools {
  const icu::Normalizer2* fold = nullptr;  // NFKC_Casefold
  const icu::Normalizer2* nfd = nullptr;
  const icu::Normalizer2* nfc = nullptr;
  USpoofChecker* spoof = nullptr;  // only for skeletons; const use is thread-safe
};

// ICU's data ships with the library, so these cannot fail on an installed
// system; if they somehow do, text is compared unfolded rather than crashing.
const IcuTools& Icu() {
  static const IcuTools tools = [] {
    IcuTools t;
    UErrorCode error = U_ZERO_ERROR;
    t.fold = icu::Normalizer2::getNFKCCasefoldInstance(error);
    if (U_FAILURE(error)) {
      t.fold = nullptr;
    }
    error = U_ZERO_ERROR;
    t.nfd = icu::Normalizer2::getNFDInstance(error);
    if (U_FAILURE(error)) {
      t.nfd = nullptr;
    }
    error = U_ZERO_ERROR;
    t.nfc = icu::Normalizer2::getNFCInstance(error);
    if (U_FAILURE(error)) {
      t.nfc = nullptr;
    }
    error = U_ZERO_ERROR;
    t.spoof = uspoof_open(&error);
    if (U_FAILURE(error)) {
      t.spoof = nullptr;
    }
    return t;
  }();
  return tools;
}

bool IsWordChar(UChar32 c) {
  const int8_t type = u_charType(c);
  return u_isalnum(c) || type == U_NON_SPACING_MARK || type == U_COMBINING_SPACING_MARK;
}

// A letter from a script other than Latin becomes its Latin look-alike when
// it has one ("а" Cyrillic → "a"), so that mixed-script spellings match.
UChar32 LatinLookAlike(UChar32 c) {
  if (c < 0x80 || !u_isalpha(c)) {
    return c;
  }
  UErrorCode error = U_ZERO_ERROR;
  const UScriptCode script = uscript_getScript(c, &error);
  if (U_FAILURE(error) || script == USCRIPT_LATIN || script == USCRIPT_COMMON ||
      script == USCRIPT_INHERITED) {
    return c;
  }
  const IcuTools& icu = Icu();
  if (icu.spoof == nullptr) {
    return c;
  }
  icu::UnicodeString skeleton;
  uspoof_getSkeletonUnicodeString(icu.spoof, 0, icu::UnicodeString(c), skeleton, &error);
  if (U_FAILURE(error) || skeleton.length() != 1) {
    return c;
  }
  const UChar32 mapped = skeleton.char32At(0);
  if (mapped >= 0x80 || !u_isalpha(mapped)) {
    return c;
  }
  return u_tolower(mapped);
}

icu::UnicodeString Fold(const icu::UnicodeString& text) {
  const IcuTools& icu = Icu();
  icu::UnicodeString folded = text;
  if (icu.fold != nullptr) {
    UErrorCode error = U_ZERO_ERROR;
    icu::UnicodeString out = icu.fold->normalize(text, error);
    if (U_SUCCESS(error)) {
      folded = std::move(out);
    }
  }
  icu::UnicodeString mapped;
  for (int32_t i = 0; i < folded.length();) {
    const UChar32 c = folded.char32At(i);
    mapped.append(LatinLookAlike(c));
    i += U16_LENGTH(c);
  }
  return mapped;
}

// Vietnamese without its tone marks and vowel hats, and đ as d: the way many
// readers type on a keyboard without a Vietnamese layout.
icu::UnicodeString StripDiacritics(const icu::UnicodeString& folded) {
  const IcuTools& icu = Icu();
  icu::UnicodeString decomposed = folded;
  UErrorCode error = U_ZERO_ERROR;
  if (icu.nfd != nullptr) {
    icu::UnicodeString out = icu.nfd->normalize(folded, error);
    if (U_SUCCESS(error)) {
      decomposed = std::move(out);
    }
  }
  icu::UnicodeString plain;
  for (int32_t i = 0; i < decomposed.length();) {
    const UChar32 c = decomposed.char32At(i);
    i += U16_LENGTH(c);
    if (u_charType(c) == U_NON_SPACING_MARK) {
      continue;
    }
    if (c == 0x0111 || c == 0x0110) {  // đ Đ
      plain.append(static_cast<UChar32>('d'));
      continue;
    }
    plain.append(c);
  }
  if (icu.nfc != nullptr) {
    error = U_ZERO_ERROR;
    icu::UnicodeString out = icu.nfc->normalize(plain, error);
    if (U_SUCCESS(error)) {
      return out;
    }
  }
  return plain;
}

std::string Utf8(const icu::UnicodeString& text) {
  std::string out;
  text.toUTF8String(out);
  return out;
}

Word MakeWord(const icu::UnicodeString& folded) {
  return Word{Utf8(folded), Utf8(StripDiacritics(folded))};
}

// Word boundaries, as spans of code units.
std::vector<std::pair<int32_t, int32_t>> WordSpans(const icu::UnicodeString& text,
                                                   std::vector<int32_t>* lengths) {
  std::vector<std::pair<int32_t, int32_t>> spans;
  int32_t start = -1;
  int32_t code_points = 0;
  for (int32_t i = 0; i < text.length();) {
    const UChar32 c = text.char32At(i);
    const int32_t next = i + U16_LENGTH(c);
    if (IsWordChar(c)) {
      if (start < 0) {
        start = i;
        code_points = 0;
      }
      if (u_charType(c) != U_NON_SPACING_MARK) {
        ++code_points;
      }
    } else if (start >= 0) {
      spans.emplace_back(start, i);
      if (lengths != nullptr) {
        lengths->push_back(code_points);
      }
      start = -1;
    }
    i = next;
  }
  if (start >= 0) {
    spans.emplace_back(start, text.length());
    if (lengths != nullptr) {
      lengths->push_back(code_points);
    }
  }
  return spans;
}

// Splits both forms of the text at once: removing diacritics never moves a
// word boundary, so the i-th plain word is the i-th folded word unaccented.
void SplitWords(const icu::UnicodeString& folded, const icu::UnicodeString& plain,
                std::vector<Word>& words, std::vector<int32_t>* lengths) {
  const auto folded_spans = WordSpans(folded, lengths);
  const auto plain_spans = WordSpans(plain, nullptr);
  const bool aligned = folded_spans.size() == plain_spans.size();
  words.reserve(folded_spans.size());
  for (std::size_t i = 0; i < folded_spans.size(); ++i) {
    const icu::UnicodeString word =
        folded.tempSubStringBetween(folded_spans[i].first, folded_spans[i].second);
    if (aligned) {
      words.push_back(Word{Utf8(word), Utf8(plain.tempSubStringBetween(plain_spans[i].first,
                                                                       plain_spans[i].second))});
    } else {
      words.push_back(MakeWord(word));
    }
  }
}

// "v i a g r a" → "viagra": three or more one-letter words in a row.
std::vector<Word> JoinSpelledOut(const std::vector<Word>& words,
                                 const std::vector<int32_t>& lengths) {
  constexpr std::size_t kMinRun = 3;
  std::vector<Word> joined;
  std::size_t start = 0;
  while (start < words.size()) {
    std::size_t end = start;
    while (end < words.size() && lengths[end] == 1) {
      ++end;
    }
    if (end - start >= kMinRun) {
      Word word;
      for (std::size_t i = start; i < end; ++i) {
        word.folded += words[i].folded;
        word.plain += words[i].plain;
      }
      joined.push_back(std::move(word));
    }
    start = end + 1;
  }
  return joined;
}

std::string CollapseSpaces(const icu::UnicodeString& text) {
  icu::UnicodeString out;
  bool in_space = false;
  for (int32_t i = 0; i < text.length();) {
    const UChar32 c = text.char32At(i);
    i += U16_LENGTH(c);
    if (u_isUWhiteSpace(c)) {
      in_space = true;
      continue;
    }
    if (in_space && !out.isEmpty()) {
      out.append(static_cast<UChar32>(' '));
    }
    in_space = false;
    out.append(c);
  }
  return Utf8(out);
}

}  // namespace

namespace {

// Per-character results of the ICU path, computed once for the characters
// comments are made of (Latin with every Vietnamese letter, Greek, Cyrillic,
// punctuation, symbols, full-width forms). A text whose every character is in
// the table, and never combines with the one before it, is analysed by table
// lookups alone, with the same result as the ICU path: the normal forms of
// such a text are the concatenation of its characters' normal forms.
struct CharEntry {
  bool usable = false;  // in the fast path (no combining with its neighbour)
  bool word = false;    // of the folded character
  bool space = false;
  bool alpha = false;  // of the original character
  bool upper = false;
  std::string folded;  // NFKC_Casefold, look-alikes mapped
  std::string plain;   // the character without diacritics
};

constexpr UChar32 kTableEnd = 0x3000;
constexpr UChar32 kFullWidthStart = 0xFF00;
constexpr UChar32 kFullWidthEnd = 0xFFF0;

const std::vector<CharEntry>& CharTable() {
  static const auto* table = [] {
    auto* entries = new std::vector<CharEntry>(
        static_cast<std::size_t>(kTableEnd + (kFullWidthEnd - kFullWidthStart)));
    const IcuTools& icu = Icu();
    const auto fill = [&](UChar32 c, CharEntry& entry) {
      if (U_IS_SURROGATE(c) || icu.fold == nullptr) {
        return;
      }
      const icu::UnicodeString one(c);
      entry.folded = Utf8(Fold(one));
      entry.plain = Utf8(StripDiacritics(one));
      entry.word = IsWordChar(c);
      entry.space = u_isUWhiteSpace(c);
      entry.alpha = u_isalpha(c);
      entry.upper = u_isupper(c);
      entry.usable = icu.fold->hasBoundaryBefore(c) && u_charType(c) != U_NON_SPACING_MARK &&
                     u_charType(c) != U_COMBINING_SPACING_MARK;
    };
    for (UChar32 c = 0; c < kTableEnd; ++c) {
      fill(c, (*entries)[static_cast<std::size_t>(c)]);
    }
    for (UChar32 c = kFullWidthStart; c < kFullWidthEnd; ++c) {
      fill(c, (*entries)[static_cast<std::size_t>(kTableEnd + c - kFullWidthStart)]);
    }
    return entries;
  }();
  return *table;
}

const CharEntry* Lookup(UChar32 c) {
  if (c >= 0 && c < kTableEnd) {
    return &CharTable()[static_cast<std::size_t>(c)];
  }
  if (c >= kFullWidthStart && c < kFullWidthEnd) {
    return &CharTable()[static_cast<std::size_t>(kTableEnd + c - kFullWidthStart)];
  }
  return nullptr;
}

// The table-driven path; nullopt when the text needs ICU.
std::optional<AnalyzedText> AnalyzeWithTable(absl::string_view utf8) {
  AnalyzedText analyzed;
  std::string folded;
  folded.reserve(utf8.size() + 8);
  analyzed.folded.reserve(utf8.size() + 8);
  analyzed.plain.reserve(utf8.size() + 8);
  analyzed.words.reserve(utf8.size() / 4 + 1);
  const auto* bytes = reinterpret_cast<const uint8_t*>(utf8.data());
  const auto length = static_cast<int32_t>(utf8.size());
  for (int32_t i = 0; i < length;) {
    UChar32 c = 0;
    U8_NEXT(bytes, i, length, c);
    const CharEntry* entry = Lookup(c);
    if (entry == nullptr) {
      // Rarer characters (emoji, CJK, ...): those normalisation leaves alone
      // are kept as they are; the others need the ICU path.
      const IcuTools& icu = Icu();
      if (c < 0 || icu.fold == nullptr || !icu.fold->hasBoundaryBefore(c)) {
        return std::nullopt;
      }
      if (u_isalpha(c)) {
        ++analyzed.letters;
        analyzed.uppercase_letters += u_isupper(c) ? 1 : 0;
      }
      if (icu.fold->isInert(c) && LatinLookAlike(c) == c) {
        folded.append(reinterpret_cast<const char*>(bytes) + i - U8_LENGTH(c),
                      static_cast<std::size_t>(U8_LENGTH(c)));
      } else {
        // Say a variation selector after an emoji, which folding drops.
        folded += Utf8(Fold(icu::UnicodeString(c)));
      }
      continue;
    }
    if (!entry->usable) {
      return std::nullopt;
    }
    if (entry->alpha) {
      ++analyzed.letters;
      if (entry->upper) {
        ++analyzed.uppercase_letters;
      }
    }
    folded += entry->folded;
  }

  std::vector<int32_t> lengths;
  Word current;
  int32_t current_length = 0;
  bool pending_space = false;
  const auto flush = [&] {
    if (current_length > 0) {
      analyzed.words.push_back(std::move(current));
      lengths.push_back(current_length);
      current = Word();
      current_length = 0;
    }
  };
  const auto* folded_bytes = reinterpret_cast<const uint8_t*>(folded.data());
  const auto folded_length = static_cast<int32_t>(folded.size());
  for (int32_t i = 0; i < folded_length;) {
    const int32_t start = i;
    UChar32 c = 0;
    U8_NEXT(folded_bytes, i, folded_length, c);
    const absl::string_view folded_char(folded.data() + start, static_cast<std::size_t>(i - start));
    const CharEntry* entry = Lookup(c);
    if (entry == nullptr) {
      // An inert character kept as it is (see above).
      if (pending_space && !analyzed.folded.empty()) {
        analyzed.folded.push_back(' ');
        analyzed.plain.push_back(' ');
      }
      pending_space = false;
      analyzed.folded.append(folded_char.data(), folded_char.size());
      analyzed.plain.append(folded_char.data(), folded_char.size());
      if (IsWordChar(c)) {
        current.folded.append(folded_char.data(), folded_char.size());
        current.plain.append(folded_char.data(), folded_char.size());
        ++current_length;
      } else {
        flush();
      }
      continue;
    }
    if (entry->space) {
      pending_space = true;
      flush();
      continue;
    }
    if (pending_space && !analyzed.folded.empty()) {
      analyzed.folded.push_back(' ');
      analyzed.plain.push_back(' ');
    }
    pending_space = false;
    analyzed.folded.append(folded_char.data(), folded_char.size());
    analyzed.plain += entry->plain;
    if (entry->word) {
      current.folded.append(folded_char.data(), folded_char.size());
      current.plain += entry->plain;
      ++current_length;
    } else {
      flush();
    }
  }
  flush();
  analyzed.joined_words = JoinSpelledOut(analyzed.words, lengths);
  return analyzed;
}

AnalyzedText AnalyzeWithIcu(absl::string_view utf8) {
  AnalyzedText analyzed;
  const icu::UnicodeString original = icu::UnicodeString::fromUTF8(
      icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
  for (int32_t i = 0; i < original.length();) {
    const UChar32 c = original.char32At(i);
    i += U16_LENGTH(c);
    if (u_isalpha(c)) {
      ++analyzed.letters;
      if (u_isupper(c)) {
        ++analyzed.uppercase_letters;
      }
    }
  }
  const icu::UnicodeString folded = Fold(original);
  const icu::UnicodeString plain = StripDiacritics(folded);
  analyzed.folded = CollapseSpaces(folded);
  analyzed.plain = CollapseSpaces(plain);
  std::vector<int32_t> lengths;
  SplitWords(folded, plain, analyzed.words, &lengths);
  analyzed.joined_words = JoinSpelledOut(analyzed.words, lengths);
  return analyzed;
}

}  // namespace

AnalyzedText AnalyzeText(absl::string_view utf8) {
  if (std::optional<AnalyzedText> fast = AnalyzeWithTable(utf8)) {
    return *std::move(fast);
  }
  return AnalyzeWithIcu(utf8);
}

namespace internal {
AnalyzedText AnalyzeTextWithIcu(absl::string_view utf8) { return AnalyzeWithIcu(utf8); }
}  // namespace internal

std::vector<Word> AnalyzeWords(absl::string_view utf8) {
  const icu::UnicodeString original = icu::UnicodeString::fromUTF8(
      icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
  std::vector<Word> words;
  const icu::UnicodeString folded = Fold(original);
  SplitWords(folded, StripDiacritics(folded), words, nullptr);
  return words;
}

}  // namespace moderation::spam
