#pragma once

#include <bitset>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "service/spam/text_analysis.h"

namespace moderation::spam {

// A list of words and phrases ("bóng đá", "vay tiền nhanh") matched as whole
// words against analysed text. An entry written with diacritics matches text
// with the same diacritics, or text typed without any ("bong da"), but not a
// different accented word that only unaccents the same way ("bông"); an entry
// written without diacritics matches every accented form. Letters spelled out
// one by one ("v i a g r a") match the entry written together.
class WordList {
 public:
  WordList() = default;
  explicit WordList(const std::vector<std::string>& entries);

  // The entries found in `text`, as configured, each at most once, in list
  // order.
  [[nodiscard]] std::vector<std::string> FindIn(const AnalyzedText& text) const;

  // True when `text` as a whole is one of the entries (names).
  [[nodiscard]] bool MatchesWhole(const AnalyzedText& text) const;

  [[nodiscard]] bool empty() const { return entries_.empty(); }

 private:
  struct Entry {
    std::string original;
    std::vector<Word> words;
    std::string joined_plain;  // the words run together, for spelled-out text
  };

  [[nodiscard]] bool MatchesAt(const Entry& entry, const std::vector<Word>& words,
                               std::size_t at) const;

  // Whether some entry's first word could be `plain` (false positives only):
  // most words of a comment are told apart by this alone, before any hashing.
  [[nodiscard]] bool MayStartEntry(const std::string& plain) const {
    return first_word_filter_[FilterBit(plain)];
  }
  [[nodiscard]] static std::size_t FilterBit(const std::string& plain) {
    if (plain.empty()) {
      return 0;  // a word of marks alone has no plain form
    }
    const auto first = static_cast<unsigned char>(plain.front());
    const auto last = static_cast<unsigned char>(plain.back());
    return (plain.size() * 131 + std::size_t{first} * 31 + last) % kFilterBits;
  }
  static constexpr std::size_t kFilterBits = 4096;
  // Letters an entry needs to be found inside a longer spelled-out run.
  static constexpr std::size_t kMinJoinedInside = 5;

  std::vector<Entry> entries_;
  std::bitset<kFilterBits> first_word_filter_;
  // Entries by their first word's plain form; spelled-out words by joined form.
  absl::flat_hash_map<std::string, std::vector<std::size_t>> by_first_word_;
  absl::flat_hash_map<std::string, std::vector<std::size_t>> by_joined_;
};

// Whether one word of text matches one word of an entry (see WordList).
[[nodiscard]] bool WordMatches(const Word& text, const Word& entry);

}  // namespace moderation::spam
