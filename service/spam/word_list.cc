#include "service/spam/word_list.h"

#include <algorithm>

namespace moderation::spam {

bool WordMatches(const Word& text, const Word& entry) {
  if (text.plain != entry.plain) {
    return false;
  }
  return !text.has_diacritics() || !entry.has_diacritics() || text.folded == entry.folded;
}

WordList::WordList(const std::vector<std::string>& entries) {
  for (const std::string& original : entries) {
    Entry entry;
    entry.original = original;
    entry.words = AnalyzeWords(original);
    if (entry.words.empty()) {
      continue;
    }
    for (const Word& word : entry.words) {
      entry.joined_plain += word.plain;
    }
    const std::size_t index = entries_.size();
    by_first_word_[entry.words.front().plain].push_back(index);
    first_word_filter_.set(FilterBit(entry.words.front().plain));
    by_joined_[entry.joined_plain].push_back(index);
    entries_.push_back(std::move(entry));
  }
}

bool WordList::MatchesAt(const Entry& entry, const std::vector<Word>& words, std::size_t at) const {
  if (at + entry.words.size() > words.size()) {
    return false;
  }
  for (std::size_t k = 0; k < entry.words.size(); ++k) {
    if (!WordMatches(words[at + k], entry.words[k])) {
      return false;
    }
  }
  return true;
}

std::vector<std::string> WordList::FindIn(const AnalyzedText& text) const {
  std::vector<std::string> matches;
  if (entries_.empty()) {
    return matches;
  }
  // Allocated at the first match: most comments have none.
  std::vector<bool> found;
  const auto mark = [&](std::size_t index) {
    if (found.empty()) {
      found.resize(entries_.size(), false);
    }
    found[index] = true;
  };
  for (std::size_t at = 0; at < text.words.size(); ++at) {
    const std::string& plain = text.words[at].plain;
    if (!MayStartEntry(plain)) {
      continue;
    }
    const auto candidates = by_first_word_.find(plain);
    if (candidates == by_first_word_.end()) {
      continue;
    }
    for (std::size_t index : candidates->second) {
      if ((found.empty() || !found[index]) && MatchesAt(entries_[index], text.words, at)) {
        mark(index);
      }
    }
  }
  for (const Word& joined : text.joined_words) {
    const auto candidates = by_joined_.find(joined.plain);
    if (candidates != by_joined_.end()) {
      for (std::size_t index : candidates->second) {
        mark(index);
      }
      continue;
    }
    // A run of spelled-out letters often holds several words ("v a y t i ề n
    // n h a n h"): an entry of a few letters or more inside it counts. Such
    // runs are rare, so every entry is tried.
    for (std::size_t index = 0; index < entries_.size(); ++index) {
      const std::string& entry = entries_[index].joined_plain;
      if (entry.size() >= kMinJoinedInside && joined.plain.size() > entry.size() &&
          joined.plain.find(entry) != std::string::npos) {
        mark(index);
      }
    }
  }
  for (std::size_t index = 0; index < found.size(); ++index) {
    if (found[index]) {
      matches.push_back(entries_[index].original);
    }
  }
  return matches;
}

bool WordList::MatchesWhole(const AnalyzedText& text) const {
  for (const Entry& entry : entries_) {
    if (entry.words.size() == text.words.size() && MatchesAt(entry, text.words, 0)) {
      return true;
    }
  }
  if (text.joined_words.size() == 1 && text.words.size() >= 3) {
    return by_joined_.contains(text.joined_words.front().plain);
  }
  return false;
}

}  // namespace moderation::spam
