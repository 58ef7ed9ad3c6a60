#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "service/spam/word_list.h"

namespace moderation::spam {

// What every rule has: how much it adds to a comment's score when it fires,
// and whether it only reports (shadow: scored and logged, left out of the
// total), so a new rule can be watched before it acts.
struct RuleBase {
  double weight = 0;
  bool shadow = false;
};

// What to do with a comment whose score reaches `reject`.
enum class RejectAction {
  kRefuse,   // tell the reader, with a reason code
  kDiscard,  // look accepted, store nothing (known spammers learn nothing)
};

struct Thresholds {
  double flag = 4;     // at or above: queued flagged, listed first with reasons
  double reject = 10;  // at or above: refused (or discarded)
  RejectAction reject_action = RejectAction::kRefuse;
};

struct WordRule : RuleBase {
  std::vector<std::string> words;
  WordList list;
};

struct LinkRule : RuleBase {
  // `weight` is per link beyond `free_links`.
  int free_links = 0;
  double blocked_weight = 10;                // a link to a blocked domain
  double shortener_weight = 3;               // a link through a URL shortener
  std::vector<std::string> allowed_domains;  // never counted (and their subdomains)
  std::vector<std::string> blocked_domains;
  std::vector<std::string> shorteners;
};

struct ContactRule : RuleBase {
  // Phone numbers (any spacing), e-mail addresses, and Zalo, Telegram,
  // Facebook or Viber handles in the title or body: advertising.
  double phone_weight = 4;
  double email_weight = 3;
  double messenger_weight = 3;
};

struct RepeatedCharactersRule : RuleBase {
  int min_run = 6;  // the same character this many times in a row
};

struct RepeatedWordsRule : RuleBase {
  int min_run = 4;  // the same word this many times in a row
};

struct ShoutingRule : RuleBase {
  int min_letters = 16;
  double min_uppercase_ratio = 0.7;
};

struct LengthRule : RuleBase {
  int min_chars = 2;     // body shorter than this
  int max_chars = 3000;  // body longer than this
};

struct TooFastRule : RuleBase {
  absl::Duration min_delay = absl::Seconds(3);  // captcha issued to submission
};

struct RepeatPostRule : RuleBase {
  absl::Duration window = absl::Hours(24);
  int min_words = 3;  // shorter bodies ("cảm ơn") repeat innocently
};

struct NearDuplicateRule : RuleBase {
  absl::Duration window = absl::Hours(24);
  int max_distance = 3;  // of 64 SimHash bits
  int min_words = 8;
  int min_other_authors = 1;
};

struct ClassifierRule : RuleBase {
  // The learned filter's spam probability p adds weight × (p − neutral) /
  // (1 − neutral) above `neutral`, and as much below it, negatively, times
  // `ham_factor` (a confident "not spam" can offset a weak rule).
  double neutral = 0.5;
  double ham_factor = 0.5;
};

// Every rule and the thresholds: one file, replaced as a whole on reload.
struct SpamRules {
  Thresholds thresholds;
  WordRule banned_words;
  WordRule suspect_words;
  LinkRule links;
  ContactRule contact;
  RepeatedCharactersRule repeated_characters;
  RepeatedWordsRule repeated_words;
  ShoutingRule shouting;
  LengthRule length;
  RuleBase honeypot;
  TooFastRule too_fast;
  RepeatPostRule repeat_post;
  NearDuplicateRule near_duplicate;
  WordRule restricted_names;
  ClassifierRule classifier;
};

// The built-in rules: sensible weights, empty word lists.
[[nodiscard]] SpamRules DefaultSpamRules();

// Parses a rules file (TOML; see deploy/spam-rules.toml). INVALID_ARGUMENT
// naming the file, line and key for a syntax error, an unknown key, a wrong
// type or a value out of range.
[[nodiscard]] absl::StatusOr<SpamRules> ParseSpamRules(absl::string_view toml,
                                                       absl::string_view source_name);
[[nodiscard]] absl::StatusOr<SpamRules> LoadSpamRules(const std::string& path);

}  // namespace moderation::spam
