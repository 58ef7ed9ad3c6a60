#include "service/spam/text_analysis.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uscript.h>
#include <unicode/uspoof.h>

#include <optional>
#include <string_view>
#include <vector>

#include "service/text/segment_folding.h"

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
// punctuation, symbols, full-width forms). Normalisation works on segments
// that start at a character with a boundary before it (one that never combines
// with what precedes it): the normal form of a text is the concatenation of its
// segments' normal forms. Nearly every segment is one character, whose folded
// form is looked up here; the few longer ones (a letter followed by combining
// accents, as some keyboards type Vietnamese) go through ICU, segment by
// segment, with the same result as the ICU path for the whole text.
struct CharEntry {
  // Folded and plain forms no longer than this are stored inline; no character
  // of the table comes near it.
  static constexpr std::size_t kInline = 15;

  // Folded by the table: a boundary before it, not a mark, forms stored.
  bool folds_alone = false;
  bool boundary = false;  // never combines with the character before it
  bool alpha = false;     // of the original character
  bool upper = false;
  // Of the character as it appears in folded text:
  bool word = false;
  bool space = false;
  bool mark = false;  // a non-spacing mark: part of a word, not a letter of it
  // Removing diacritics from text where this character follows another may
  // compose the two (Hangul jamo, some Indic vowel signs): not per character.
  bool composes = false;
  bool stored = false;  // the forms below fit
  uint8_t folded_size = 0;
  uint8_t plain_size = 0;
  char folded[kInline] = {};  // NFKC_Casefold, look-alikes mapped
  char plain[kInline] = {};   // the character without diacritics

  [[nodiscard]] absl::string_view Plain() const { return {plain, plain_size}; }
  [[nodiscard]] std::string_view Folded() const { return {folded, folded_size}; }
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
      if (U_IS_SURROGATE(c) || icu.fold == nullptr || icu.nfc == nullptr) {
        return;
      }
      const icu::UnicodeString one(c);
      const std::string folded = Utf8(Fold(one));
      const std::string plain = Utf8(StripDiacritics(one));
      const int8_t type = u_charType(c);
      entry.boundary = icu.fold->hasBoundaryBefore(c);
      entry.alpha = u_isalpha(c);
      entry.upper = u_isupper(c);
      entry.word = IsWordChar(c);
      entry.space = u_isUWhiteSpace(c);
      entry.mark = type == U_NON_SPACING_MARK;
      entry.composes = !entry.mark && !icu.nfc->hasBoundaryBefore(c);
      if (folded.size() > CharEntry::kInline || plain.size() > CharEntry::kInline) {
        return;  // left to ICU
      }
      entry.folded_size = static_cast<uint8_t>(folded.size());
      entry.plain_size = static_cast<uint8_t>(plain.size());
      folded.copy(entry.folded, folded.size());
      plain.copy(entry.plain, plain.size());
      entry.stored = true;
      entry.folds_alone = entry.boundary && !entry.mark && type != U_COMBINING_SPACING_MARK;
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

// NFKC_Casefold with look-alikes mapped, by the table, for
// text::FoldBySegments.
class RulesFold {
 public:
  [[nodiscard]] const CharEntry* Find(UChar32 c) const { return Lookup(c); }
  [[nodiscard]] bool HasBoundaryBefore(UChar32 c) const {
    return Icu().fold != nullptr && Icu().fold->hasBoundaryBefore(c);
  }
  [[nodiscard]] bool FoldsToItself(UChar32 c) const {
    return Icu().fold != nullptr && Icu().fold->isInert(c) && LatinLookAlike(c) == c;
  }
  void FoldSegment(std::string_view segment, std::string& out) const {
    out += Utf8(Fold(icu::UnicodeString::fromUTF8(
        icu::StringPiece(segment.data(), static_cast<int32_t>(segment.size())))));
  }
};

// The folded form of `utf8` (NFKC_Casefold, look-alikes mapped; see
// service/text/segment_folding.h), and its letters before folding; false when
// a character is malformed.
bool FoldWithTable(absl::string_view utf8, std::string& folded, AnalyzedText& analyzed) {
  static constexpr RulesFold kFold;
  return text::FoldBySegments(std::string_view(utf8.data(), utf8.size()), kFold, folded,
                              [&analyzed](UChar32 c, const CharEntry* entry) {
                                if (c < 0x80) {
                                  const bool upper = c >= 'A' && c <= 'Z';
                                  analyzed.letters += upper || (c >= 'a' && c <= 'z') ? 1 : 0;
                                  analyzed.uppercase_letters += upper ? 1 : 0;
                                } else if (entry != nullptr ? entry->alpha : u_isalpha(c)) {
                                  ++analyzed.letters;
                                  analyzed.uppercase_letters +=
                                      (entry != nullptr ? entry->upper : u_isupper(c)) ? 1 : 0;
                                }
                              });
}

// Appends one character of folded text to the analysis: to the folded and
// plain texts (runs of white space as one space) and to the current word.
class WordSplitter {
 public:
  explicit WordSplitter(AnalyzedText& analyzed) : analyzed_(analyzed) {}

  void Space() {
    folded_space_ = true;
    plain_space_ = true;
    EndWord();
  }

  // `mark`: a non-spacing mark, which a word's letter count leaves out.
  void Char(absl::string_view folded, absl::string_view plain, bool word, bool mark) {
    AddSpaceIfPending(folded_space_, analyzed_.folded);
    analyzed_.folded.append(folded.data(), folded.size());
    // A mark has no plain form: the spaces around it are one run in `plain`.
    if (!plain.empty()) {
      AddSpaceIfPending(plain_space_, analyzed_.plain);
      analyzed_.plain.append(plain.data(), plain.size());
    }
    if (!word) {
      EndWord();
      return;
    }
    in_word_ = true;
    current_.folded.append(folded.data(), folded.size());
    current_.plain.append(plain.data(), plain.size());
    current_length_ += mark ? 0 : 1;
  }

  // A character that is its own plain form, the common case (ASCII).
  void AsciiChar(char c, bool word) {
    AddSpaceIfPending(folded_space_, analyzed_.folded);
    AddSpaceIfPending(plain_space_, analyzed_.plain);
    analyzed_.folded.push_back(c);
    analyzed_.plain.push_back(c);
    if (!word) {
      EndWord();
      return;
    }
    in_word_ = true;
    current_.folded.push_back(c);
    current_.plain.push_back(c);
    ++current_length_;
  }

  void EndWord() {
    if (in_word_) {
      analyzed_.words.push_back(std::move(current_));
      lengths_.push_back(current_length_);
      current_ = Word();
      current_length_ = 0;
      in_word_ = false;
    }
  }

  // Letters per word, marks left out, as JoinSpelledOut counts them.
  [[nodiscard]] const std::vector<int32_t>& lengths() const { return lengths_; }

 private:
  // Runs of white space become one space, except at either end.
  static void AddSpaceIfPending(bool& pending, std::string& text) {
    if (pending && !text.empty()) {
      text.push_back(' ');
    }
    pending = false;
  }

  AnalyzedText& analyzed_;
  std::vector<int32_t> lengths_;
  Word current_;
  int32_t current_length_ = 0;
  bool in_word_ = false;
  bool folded_space_ = false;  // white space seen since the last character
  bool plain_space_ = false;
};

// ASCII letters and digits, the word characters of ASCII.
bool IsAsciiWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
}

// The table-driven path; nullopt when the text needs ICU.
std::optional<AnalyzedText> AnalyzeWithTable(absl::string_view utf8) {
  AnalyzedText analyzed;
  // Reused: folding is a step, not a result.
  thread_local std::string folded;
  if (!FoldWithTable(utf8, folded, analyzed)) {
    return std::nullopt;
  }
  analyzed.folded.reserve(folded.size());
  analyzed.plain.reserve(folded.size());
  analyzed.words.reserve(folded.size() / 4 + 1);
  WordSplitter splitter(analyzed);
  const auto* folded_bytes = reinterpret_cast<const uint8_t*>(folded.data());
  const auto folded_length = static_cast<int32_t>(folded.size());
  for (int32_t i = 0; i < folded_length;) {
    const int32_t start = i;
    UChar32 c = 0;
    U8_NEXT(folded_bytes, i, folded_length, c);
    if (c < 0x80) {
      if (c == ' ' || (c >= '\t' && c <= '\r')) {
        splitter.Space();
      } else {
        splitter.AsciiChar(static_cast<char>(c), IsAsciiWordChar(static_cast<char>(c)));
      }
      continue;
    }
    const absl::string_view folded_char(folded.data() + start, static_cast<std::size_t>(i - start));
    const CharEntry* entry = Lookup(c);
    if (entry == nullptr) {
      // A character outside the table that folding kept: its own plain form
      // when it has no decomposition; otherwise (kana with a voicing mark...)
      // the ICU path removes the mark.
      const IcuTools& icu = Icu();
      if (icu.nfd == nullptr || !icu.nfd->isInert(c) || u_charType(c) == U_NON_SPACING_MARK) {
        return std::nullopt;
      }
      splitter.Char(folded_char, folded_char, IsWordChar(c), /*mark=*/false);
      continue;
    }
    if (entry->composes || !entry->stored) {
      return std::nullopt;
    }
    if (entry->space) {
      splitter.Space();
      continue;
    }
    splitter.Char(folded_char, entry->Plain(), entry->word, entry->mark);
  }
  splitter.EndWord();
  analyzed.joined_words = JoinSpelledOut(analyzed.words, splitter.lengths());
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
