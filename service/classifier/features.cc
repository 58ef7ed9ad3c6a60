#include "service/classifier/features.h"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

#include "service/text/segment_folding.h"

namespace moderation::classifier::internal {
namespace {

// Words of one letter are left to the character n-grams, as scikit-learn's default tokenizer
// does.
constexpr std::size_t kMinWordLength = 2;
constexpr int kMinCharGram = 2;
constexpr int kMaxCharGram = 5;
// Bounds the work on a pathological input; comments are far shorter.
constexpr std::size_t kMaxCodePoints = 4096;
// L2 norms of the three blocks. Words weigh a little more than the hundreds of character
// n-grams; the shape features are few and coarse: they may tip a close call, not decide one.
constexpr double kWordBlockWeight = 1.4;
constexpr double kCharBlockWeight = 1.0;
constexpr double kShapeBlockWeight = 0.5;

// Each kind of feature hashes from its own seed, so a word and a character n-gram with the
// same letters land in different buckets.
constexpr uint64_t kWordSeed = 0xcbf29ce484222325ULL;  // FNV-1a offset basis
constexpr uint64_t kCharSeed = 0x84222325cbf29ce4ULL;
constexpr uint64_t kUnigramSalt = 0x2545f4914f6cdd1dULL;
constexpr uint64_t kBigramSalt = 0x9e3779b97f4a7c15ULL;
constexpr uint64_t kTrigramSalt = 0xbf58476d1ce4e5b9ULL;
constexpr uint64_t kShapeSalt = 0xd6e8feb86659fd93ULL;
constexpr uint64_t kFnvPrime = 0x100000001b3ULL;

enum class ShapeKind : uint64_t {
  kLength = 1,
  kWords = 2,
  kLineBreaks = 3,
  kDigitRun = 4,
  kUrl = 5
};

// ICU without its data cannot happen on a working install: stop rather than limp on.
void CheckIcu(UErrorCode error) {
  if (U_FAILURE(error)) {
    std::fprintf(stderr, "classifier: ICU normaliser unavailable: %s\n", u_errorName(error));
    std::abort();
  }
}

constexpr uint64_t Step(uint64_t hash, uint32_t unit) { return (hash ^ unit) * kFnvPrime; }

// MurmurHash3's finaliser: FNV alone leaves the high bits, which pick the bucket, poorly mixed.
constexpr uint64_t Mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

constexpr uint64_t Rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

// What the features ask of a character, and its NFKC_Casefold form when that does not depend
// on its neighbours, computed once from ICU for the characters comments are mostly made of
// (Latin with all of Vietnamese, Greek, Cyrillic, punctuation and symbols).
class CharTable {
 public:
  static constexpr UChar32 kSize = 0x3000;
  // Longer folded forms (none in the table) are left to ICU.
  static constexpr std::size_t kMaxFolded = 15;

  struct Entry {
    bool word = false;
    bool space = false;
    bool boundary = false;  // never combines with the character before it
    // Folded by the table (a segment of its own whose folded form is stored), see
    // FoldBySegments.
    bool folds_alone = false;
    uint8_t folded_size = 0;
    char folded[kMaxFolded] = {};

    [[nodiscard]] std::string_view Folded() const { return {folded, folded_size}; }
  };

  CharTable() {
    UErrorCode error = U_ZERO_ERROR;
    const icu::Normalizer2* fold = icu::Normalizer2::getNFKCCasefoldInstance(error);
    CheckIcu(error);
    for (UChar32 c = 0; c < kSize; ++c) {
      Entry& entry = entries_[static_cast<std::size_t>(c)];
      entry.word = u_isalnum(c) || (U_GET_GC_MASK(c) & U_GC_M_MASK) != 0;
      entry.space = u_isUWhiteSpace(c);
      entry.boundary = !U_IS_SURROGATE(c) && fold->hasBoundaryBefore(c);
      if (!entry.boundary) {
        continue;
      }
      std::string folded;
      error = U_ZERO_ERROR;
      fold->normalize(icu::UnicodeString(c), error).toUTF8String(folded);
      CheckIcu(error);
      if (folded.size() <= kMaxFolded) {
        entry.folds_alone = true;
        entry.folded_size = static_cast<uint8_t>(folded.size());
        folded.copy(entry.folded, folded.size());
      }
    }
  }

  // Null past the table.
  [[nodiscard]] const Entry* Find(UChar32 c) const {
    return c >= 0 && c < kSize ? &entries_[static_cast<std::size_t>(c)] : nullptr;
  }

 private:
  std::array<Entry, kSize> entries_;
};

const CharTable& Chars() {
  static const CharTable* const table = new CharTable();
  return *table;
}

bool IsWordChar(UChar32 c) {
  if (c < 0x80) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }
  if (const CharTable::Entry* entry = Chars().Find(c)) {
    return entry->word;
  }
  return u_isalnum(c) || (U_GET_GC_MASK(c) & U_GC_M_MASK) != 0;
}

bool IsSpace(UChar32 c) {
  if (c < 0x80) {
    return c == ' ' || (c >= '\t' && c <= '\r');
  }
  if (const CharTable::Entry* entry = Chars().Find(c)) {
    return entry->space;
  }
  return u_isUWhiteSpace(c);
}

// Base letters of the precomposed Latin letters (where all of Vietnamese lives), computed once
// from ICU's decompositions: "ệ" → "e", "Ư" → "U"; "đ" has no decomposition and is mapped by hand.
class DiacriticTable {
 public:
  DiacriticTable() {
    UErrorCode error = U_ZERO_ERROR;
    const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(error);
    CheckIcu(error);
    for (UChar32 c = kFirst; c < kLast; ++c) {
      base_[c - kFirst] = c;
      icu::UnicodeString decomposition;
      if (!nfd->getDecomposition(c, decomposition) || decomposition.length() == 0) {
        continue;
      }
      const UChar32 base = decomposition.char32At(0);
      bool only_marks = true;
      for (int32_t i = U16_LENGTH(base); i < decomposition.length();) {
        const UChar32 mark = decomposition.char32At(i);
        only_marks = only_marks && (U_GET_GC_MASK(mark) & U_GC_MN_MASK) != 0;
        i += U16_LENGTH(mark);
      }
      if (only_marks && base < 0x80) {
        base_[c - kFirst] = base;
      }
    }
    base_[0x111 - kFirst] = 'd';  // đ
    base_[0x110 - kFirst] = 'D';  // Đ
  }

  // The letter without its marks; 0 for a lone combining mark (dropped); `c` otherwise.
  [[nodiscard]] UChar32 Strip(UChar32 c) const {
    if (c < 0x80) {
      return c;
    }
    if (c >= 0x300 && c < 0x370) {
      return 0;
    }
    if (c >= kFirst && c < kLast) {
      return base_[c - kFirst];
    }
    return c;
  }

 private:
  // Latin-1 Supplement through Latin Extended Additional; the Greek and Cyrillic in between
  // map to themselves.
  static constexpr UChar32 kFirst = 0x80;
  static constexpr UChar32 kLast = 0x1f00;
  std::array<UChar32, kLast - kFirst> base_{};
};

const DiacriticTable& Diacritics() {
  static const DiacriticTable* const table = new DiacriticTable();
  return *table;
}

const icu::Normalizer2& NfkcCasefold() {
  static const icu::Normalizer2* const normalizer = [] {
    UErrorCode error = U_ZERO_ERROR;
    const icu::Normalizer2* instance = icu::Normalizer2::getNFKCCasefoldInstance(error);
    CheckIcu(error);
    return instance;
  }();
  return *normalizer;
}

void AppendUtf8(UChar32 c, std::string& out) {
  if (c < 0 || c > 0x10ffff || U_IS_SURROGATE(c) || c == 0) {
    c = 0xfffd;
  }
  char buffer[U8_MAX_LENGTH];
  int32_t length = 0;
  U8_APPEND_UNSAFE(buffer, length, c);
  out.append(buffer, static_cast<std::size_t>(length));
}

bool StartsWithIgnoringCase(std::string_view text, std::size_t at, std::string_view prefix) {
  if (text.size() - at < prefix.size()) {
    return false;
  }
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = text[at + i];
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
    if (c != prefix[i]) {
      return false;
    }
  }
  return true;
}

// Decodes an HTML character reference at text[at] == '&'. Returns the bytes consumed (0 when
// it is not one) and sets `code_point`.
std::size_t DecodeEntity(std::string_view text, std::size_t at, UChar32& code_point) {
  static constexpr std::pair<std::string_view, UChar32> kNamed[] = {
      {"&amp;", '&'},  {"&lt;", '<'},    {"&gt;", '>'},
      {"&quot;", '"'}, {"&apos;", '\''}, {"&nbsp;", 0xa0}};
  for (const auto& [name, value] : kNamed) {
    if (StartsWithIgnoringCase(text, at, name)) {
      code_point = value;
      return name.size();
    }
  }
  if (at + 2 >= text.size() || text[at + 1] != '#') {
    return 0;
  }
  std::size_t i = at + 2;
  const bool hex = text[i] == 'x' || text[i] == 'X';
  if (hex) {
    ++i;
  }
  uint32_t value = 0;
  std::size_t digits = 0;
  for (; i < text.size() && digits < 7; ++i, ++digits) {
    const char c = text[i];
    uint32_t digit = 0;
    if (c >= '0' && c <= '9') {
      digit = static_cast<uint32_t>(c - '0');
    } else if (hex && c >= 'a' && c <= 'f') {
      digit = static_cast<uint32_t>(c - 'a' + 10);
    } else if (hex && c >= 'A' && c <= 'F') {
      digit = static_cast<uint32_t>(c - 'A' + 10);
    } else {
      break;
    }
    value = value * (hex ? 16 : 10) + digit;
  }
  if (digits == 0 || i >= text.size() || text[i] != ';') {
    return 0;
  }
  code_point = static_cast<UChar32>(value);
  return i + 1 - at;
}

// Well-formed UTF-8 with HTML character references decoded and <br> tags as line breaks:
// comment spam is often pasted from web pages, and "you&#39;re" should read as "you're".
void CleanUp(std::string_view text, std::string& out) {
  out.clear();
  out.reserve(text.size());
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const auto length = static_cast<int32_t>(std::min<std::size_t>(text.size(), INT32_MAX));
  int32_t i = 0;
  while (i < length) {
    const char byte = text[static_cast<std::size_t>(i)];
    if (byte == '&') {
      UChar32 decoded = 0;
      if (const std::size_t used = DecodeEntity(text, static_cast<std::size_t>(i), decoded);
          used > 0) {
        AppendUtf8(decoded, out);
        i += static_cast<int32_t>(used);
        continue;
      }
    } else if (byte == '<' && StartsWithIgnoringCase(text, static_cast<std::size_t>(i), "<br")) {
      const std::size_t close = text.find('>', static_cast<std::size_t>(i));
      if (close != std::string_view::npos && close - static_cast<std::size_t>(i) <= 6) {
        out.push_back('\n');
        i = static_cast<int32_t>(close + 1);
        continue;
      }
    }
    if (static_cast<unsigned char>(byte) < 0x80) {
      // The run of ASCII up to the next byte that may start something to decode, at once.
      int32_t end = i + 1;
      while (end < length && bytes[end] < 0x80 && bytes[end] != '&' && bytes[end] != '<') {
        ++end;
      }
      out.append(text.data() + i, static_cast<std::size_t>(end - i));
      i = end;
      continue;
    }
    const int32_t start = i;
    UChar32 c = 0;
    U8_NEXT(bytes, i, length, c);
    if (c < 0) {
      AppendUtf8(0xfffd, out);
    } else {
      // Well-formed: its own bytes are its encoding.
      out.append(text.data() + start, static_cast<std::size_t>(i - start));
    }
  }
}

// NFKC_Casefold by the table, for text::FoldBySegments.
class TableFold {
 public:
  TableFold() : table_(Chars()), icu_(NfkcCasefold()) {}

  [[nodiscard]] const CharTable::Entry* Find(UChar32 c) const { return table_.Find(c); }
  [[nodiscard]] bool HasBoundaryBefore(UChar32 c) const { return icu_.hasBoundaryBefore(c); }
  [[nodiscard]] bool FoldsToItself(UChar32 c) const { return icu_.isInert(c); }
  void FoldSegment(std::string_view segment, std::string& out) const {
    const std::size_t before = out.size();
    UErrorCode error = U_ZERO_ERROR;
    icu::StringByteSink<std::string> sink(&out);
    icu_.normalizeUTF8(0, segment, sink, nullptr, error);
    if (U_FAILURE(error)) {
      // Only on malformed input, which CleanUp has replaced; keep the segment as it is.
      out.resize(before);
      out.append(segment);
    }
  }

 private:
  const CharTable& table_;
  const icu::Normalizer2& icu_;
};

// NFKC_Casefold of `cleaned` (well-formed UTF-8) as ICU folds the whole text (see
// service/text/segment_folding.h). False, leaving `normalized` unfinished, at malformed UTF-8.
bool FoldBySegments(std::string_view cleaned, std::string& normalized) {
  static const TableFold* const fold = new TableFold();
  return text::FoldBySegments(cleaned, *fold, normalized, [](UChar32, const CharTable::Entry*) {});
}

void NormalizeInto(std::string_view text, std::string& cleaned, std::string& normalized) {
  // Most comments have nothing to clean up: no entity or tag, and well-formed UTF-8.
  if (text.find('&') == std::string_view::npos && text.find('<') == std::string_view::npos &&
      FoldBySegments(text, normalized)) {
    return;
  }
  CleanUp(text, cleaned);
  FoldBySegments(cleaned, normalized);
}

// Per-thread buffers, so that a call allocates nothing but the vector it returns.
struct Scratch {
  std::string cleaned;
  std::string normalized;
  std::vector<UChar32> code_points;
  std::vector<uint32_t> keys;  // see kBlockBits
  std::vector<uint32_t> sort_buffer;
  std::vector<std::pair<uint32_t, float>> distinct;
  std::vector<uint32_t> spaced;  // see the character n-grams
};

Scratch& ThreadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

// Features are collected as keys (bucket << kBlockBits) | block, so that one sort orders them by
// bucket and, within a bucket, by block: the order in which colliding buckets of different
// blocks add up.
constexpr int kBlockBits = 2;
enum Block : uint32_t { kWordBlock = 0, kCharBlock = 1, kShapeBlock = 2, kBlockCount = 3 };
// L2 norms of the three blocks, in Block order.
constexpr double kBlockWeight[kBlockCount] = {kWordBlockWeight, kCharBlockWeight,
                                              kShapeBlockWeight};

// Turns feature hashes into keys of one block.
class Emitter {
 public:
  Emitter(int hash_bits, std::vector<uint32_t>& keys) : shift_(64 - hash_bits), keys_(keys) {}
  void Add(Block block, uint64_t hash) {
    keys_.push_back((static_cast<uint32_t>(Mix(hash) >> shift_) << kBlockBits) | block);
  }

 private:
  int shift_;
  std::vector<uint32_t>& keys_;
};

// Sorts keys with an LSD radix sort of 8-bit digits, kPasses of them (three for the default 2^20
// buckets), whose histograms are all counted in one read: std::sort was half the cost of Extract
// on comments of a few hundred n-grams.
template <int kPasses>
void RadixSort(std::vector<uint32_t>& keys, std::vector<uint32_t>& buffer) {
  constexpr int kDigitBits = 8;
  constexpr uint32_t kDigitMask = (1U << kDigitBits) - 1;
  std::array<std::array<uint32_t, kDigitMask + 1>, kPasses> start{};
  for (const uint32_t key : keys) {
    for (int pass = 0; pass < kPasses; ++pass) {
      ++start[pass][(key >> (pass * kDigitBits)) & kDigitMask];
    }
  }
  buffer.resize(keys.size());
  for (int pass = 0; pass < kPasses; ++pass) {
    std::array<uint32_t, kDigitMask + 1>& offsets = start[pass];
    const int shift = pass * kDigitBits;
    // A digit all keys share would copy the keys unchanged.
    if (offsets[(keys[0] >> shift) & kDigitMask] == keys.size()) {
      continue;
    }
    uint32_t sum = 0;
    for (uint32_t& offset : offsets) {
      const uint32_t count = offset;
      offset = sum;
      sum += count;
    }
    uint32_t* out = buffer.data();
    for (const uint32_t key : keys) {
      out[offsets[(key >> shift) & kDigitMask]++] = key;
    }
    keys.swap(buffer);
  }
}

// Sorts keys of `key_bits` bits (at most 32).
void SortKeys(int key_bits, std::vector<uint32_t>& keys, std::vector<uint32_t>& buffer) {
  if (keys.size() < 64) {
    std::sort(keys.begin(), keys.end());
  } else if (key_bits <= 24) {
    RadixSort<3>(keys, buffer);
  } else {
    RadixSort<4>(keys, buffer);
  }
}

// 1 + ln(count), for the small counts that nearly all features have, and its square in fixed
// point (32 fractional bits), which sums in integer registers.
struct SublinearTable {
  static constexpr std::size_t kSize = 32;
  static constexpr double kFixedOne = 4294967296.0;  // 2^32
  std::array<float, kSize> value{};
  std::array<uint64_t, kSize> square_fixed{};
};

const SublinearTable& SublinearCounts() {
  static const SublinearTable kTable = [] {  // NOLINT(readability-identifier-naming)
    SublinearTable table;
    for (std::size_t k = 1; k < SublinearTable::kSize; ++k) {
      const double value = 1.0 + std::log(static_cast<double>(k));
      table.value[k] = static_cast<float>(value);
      table.square_fixed[k] =
          static_cast<uint64_t>(std::llround(value * value * SublinearTable::kFixedOne));
    }
    return table;
  }();
  return kTable;
}

// The feature vector of the keys: for each distinct bucket of a block, 1 + ln count (sublinear
// term frequency), each block scaled to its own L2 norm so that the many character n-grams do
// not drown the few words; buckets of different blocks that collide add up. Written through
// pointers into vectors sized beforehand: a push_back per feature was a third of the cost.
FeatureVector ToFeatures(int hash_bits, std::vector<uint32_t>& keys, std::vector<uint32_t>& buffer,
                         std::vector<std::pair<uint32_t, float>>& distinct) {
  SortKeys(hash_bits + kBlockBits, keys, buffer);
  const std::size_t key_count = keys.size();
  if (key_count == 0) {
    return {};
  }
  // Where each run of equal keys starts, found without a branch per key: which n-grams repeat
  // within a comment ("ng", "nh" in Vietnamese) is unpredictable, and a branch on it
  // mispredicted often. A start is written at every key and kept only where the key differs
  // from the one before. The sort's buffer is free again.
  buffer.resize(key_count + 1);
  uint32_t* starts = buffer.data();
  std::size_t runs = 1;
  starts[0] = 0;
  for (std::size_t i = 1; i < key_count; ++i) {
    starts[runs] = static_cast<uint32_t>(i);
    runs += keys[i] != keys[i - 1] ? 1 : 0;
  }
  starts[runs] = static_cast<uint32_t>(key_count);

  const SublinearTable& sublinear = SublinearCounts();
  distinct.resize(runs);
  // Sums of squares per block, in fixed point in integer registers (floating-point adds were
  // the loop's critical path); counts past the table, rare, in floating point.
  uint64_t word_fixed = 0;
  uint64_t char_fixed = 0;
  uint64_t shape_fixed = 0;
  double beyond_table[kBlockCount] = {};
  for (std::size_t k = 0; k < runs; ++k) {
    const uint32_t count = starts[k + 1] - starts[k];
    const uint32_t key = keys[starts[k]];
    const uint32_t block = key & ((1U << kBlockBits) - 1);
    float value = 0;
    uint64_t square = 0;
    if (count < SublinearTable::kSize) {
      value = sublinear.value[count];
      square = sublinear.square_fixed[count];
    } else {
      const double exact = 1.0 + std::log(static_cast<double>(count));
      value = static_cast<float>(exact);
      beyond_table[block] += exact * exact;
    }
    word_fixed += block == kWordBlock ? square : 0;
    char_fixed += block == kCharBlock ? square : 0;
    shape_fixed += block == kShapeBlock ? square : 0;
    distinct[k] = {key, value};
  }
  const std::size_t distinct_count = runs;
  constexpr double kFromFixed = 1.0 / SublinearTable::kFixedOne;
  const double sum_of_squares[kBlockCount] = {
      static_cast<double>(word_fixed) * kFromFixed + beyond_table[kWordBlock],
      static_cast<double>(char_fixed) * kFromFixed + beyond_table[kCharBlock],
      static_cast<double>(shape_fixed) * kFromFixed + beyond_table[kShapeBlock]};
  double scale[kBlockCount] = {};
  for (uint32_t block = 0; block < kBlockCount; ++block) {
    if (sum_of_squares[block] > 0) {
      scale[block] = kBlockWeight[block] / std::sqrt(sum_of_squares[block]);
    }
  }
  FeatureVector features;
  features.indices.resize(distinct_count);
  features.values.resize(distinct_count);
  uint32_t* indices = features.indices.data();
  float* values = features.values.data();
  std::size_t size = 0;
  for (std::size_t k = 0; k < distinct_count; ++k) {
    const auto [key, count_value] = distinct[k];
    const uint32_t index = key >> kBlockBits;
    const auto value = static_cast<float>(count_value * scale[key & ((1U << kBlockBits) - 1)]);
    if (size > 0 && indices[size - 1] == index) {
      values[size - 1] += value;
    } else {
      indices[size] = index;
      values[size] = value;
      ++size;
    }
  }
  features.indices.resize(size);
  features.values.resize(size);
  return features;
}

uint32_t Log2Bucket(std::size_t n) {
  uint32_t bucket = 0;
  while (n + 1 > (std::size_t{1} << (bucket + 1))) {
    ++bucket;
  }
  return bucket;
}

bool ContainsUrl(std::string_view text) {
  return text.find("http://") != std::string_view::npos ||
         text.find("https://") != std::string_view::npos ||
         text.find("www.") != std::string_view::npos;
}

}  // namespace

std::string NormalizeForFeatures(std::string_view text) {
  std::string cleaned;
  std::string normalized;
  NormalizeInto(text, cleaned, normalized);
  return normalized;
}

std::string StripDiacritics(std::string_view normalized) {
  const DiacriticTable& table = Diacritics();
  std::string out;
  const auto* bytes = reinterpret_cast<const uint8_t*>(normalized.data());
  const auto length = static_cast<int32_t>(normalized.size());
  for (int32_t i = 0; i < length;) {
    UChar32 c = 0;
    U8_NEXT(bytes, i, length, c);
    const UChar32 base = table.Strip(c < 0 ? 0xfffd : c);
    if (base != 0) {
      AppendUtf8(base, out);
    }
  }
  return out;
}

FeatureVector ExtractFeatures(std::string_view text, int hash_bits) {
  Scratch& s = ThreadScratch();
  NormalizeInto(text, s.cleaned, s.normalized);

  s.code_points.clear();
  {
    const auto* bytes = reinterpret_cast<const uint8_t*>(s.normalized.data());
    const auto length = static_cast<int32_t>(s.normalized.size());
    for (int32_t i = 0; i < length && s.code_points.size() < kMaxCodePoints;) {
      UChar32 c = 0;
      U8_NEXT(bytes, i, length, c);
      s.code_points.push_back(c < 0 ? 0xfffd : c);
    }
  }
  const std::vector<UChar32>& cps = s.code_points;
  const DiacriticTable& diacritics = Diacritics();
  s.keys.clear();
  Emitter emit(hash_bits, s.keys);

  // Word uni-, bi- and trigrams, with their diacritic-free variants ("bóng đá" also counts as
  // "bong da") in the same namespace, so text typed without accents meets text typed with them.
  struct Word {
    uint64_t hash = 0;
    uint64_t stripped = 0;
    bool differs = false;
  };
  Word previous[2];  // [0] the word before, [1] the one before that
  std::size_t words = 0;
  for (std::size_t i = 0; i < cps.size();) {
    if (!IsWordChar(cps[i])) {
      ++i;
      continue;
    }
    const std::size_t begin = i;
    uint64_t word = kWordSeed;
    uint64_t stripped = kWordSeed;
    bool differs = false;
    for (; i < cps.size() && IsWordChar(cps[i]); ++i) {
      word = Step(word, static_cast<uint32_t>(cps[i]));
      const UChar32 base = diacritics.Strip(cps[i]);
      differs = differs || base != cps[i];
      if (base != 0) {
        stripped = Step(stripped, static_cast<uint32_t>(base));
      }
    }
    if (i - begin < kMinWordLength) {
      continue;
    }
    emit.Add(kWordBlock, word ^ kUnigramSalt);
    if (differs) {
      emit.Add(kWordBlock, stripped ^ kUnigramSalt);
    }
    if (words >= 1) {
      const Word& p = previous[0];
      emit.Add(kWordBlock, Rotl(p.hash, 17) ^ word ^ kBigramSalt);
      if (differs || p.differs) {
        emit.Add(kWordBlock, Rotl(p.stripped, 17) ^ stripped ^ kBigramSalt);
      }
    }
    if (words >= 2) {
      const Word& p = previous[0];
      const Word& q = previous[1];
      emit.Add(kWordBlock, Rotl(q.hash, 34) ^ Rotl(p.hash, 17) ^ word ^ kTrigramSalt);
      if (differs || p.differs || q.differs) {
        emit.Add(kWordBlock, Rotl(q.stripped, 34) ^ Rotl(p.stripped, 17) ^ stripped ^ kTrigramSalt);
      }
    }
    previous[1] = previous[0];
    previous[0] = {word, stripped, differs};
    ++words;
  }

  // Character n-grams inside each white-space-separated token, padded with a space at both
  // ends so that n-grams at word edges are told apart (scikit-learn's "char_wb"). (Copying the
  // n-grams of a token seen before in the comment instead of hashing them again cost more than
  // it saved: tokens rarely repeat within a comment.)
  // The code points with every white space as ' ' and one more at both ends: a token's padded
  // n-grams are then read in place.
  std::vector<uint32_t>& spaced = s.spaced;
  spaced.resize(cps.size() + 2);
  spaced.front() = ' ';
  spaced.back() = ' ';
  for (std::size_t k = 0; k < cps.size(); ++k) {
    spaced[k + 1] = IsSpace(cps[k]) ? ' ' : static_cast<uint32_t>(cps[k]);
  }
  for (std::size_t i = 1; i + 1 < spaced.size();) {
    if (spaced[i] == ' ') {
      ++i;
      continue;
    }
    const std::size_t padded_begin = i - 1;  // the space before the token
    while (spaced[i] != ' ') {
      ++i;
    }
    const std::size_t padded_end = i + 1;  // past the space after it
    for (std::size_t start = padded_begin; start + kMinCharGram <= padded_end; ++start) {
      uint64_t hash = Step(kCharSeed, spaced[start]);
      const std::size_t end = std::min(start + kMaxCharGram, padded_end);
      for (std::size_t next = start + 1; next < end; ++next) {
        hash = Step(hash, spaced[next]);
        emit.Add(kCharBlock, hash);
      }
    }
  }

  // Shape: length, word count, line breaks, runs of digits (phone numbers, short codes,
  // prices) and links.
  const auto shape = [&](ShapeKind kind, uint64_t value) {
    emit.Add(kShapeBlock, kShapeSalt ^ (static_cast<uint64_t>(kind) << 32) ^ value);
  };
  shape(ShapeKind::kLength, Log2Bucket(cps.size()));
  shape(ShapeKind::kWords, Log2Bucket(words));
  shape(ShapeKind::kLineBreaks,
        std::min<std::size_t>(std::count(cps.begin(), cps.end(), UChar32{'\n'}), 4));
  for (std::size_t i = 0; i < cps.size();) {
    if (cps[i] < '0' || cps[i] > '9') {
      ++i;
      continue;
    }
    std::size_t run = 0;
    for (; i < cps.size() && cps[i] >= '0' && cps[i] <= '9'; ++i) {
      ++run;
    }
    shape(ShapeKind::kDigitRun, std::min<std::size_t>(run, 12));
  }
  if (ContainsUrl(s.normalized)) {
    shape(ShapeKind::kUrl, 1);
  }
  return ToFeatures(hash_bits, s.keys, s.sort_buffer, s.distinct);
}

}  // namespace moderation::classifier::internal
