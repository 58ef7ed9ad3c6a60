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

// Advertising vocabulary, weighed by where it appears: in the name field (where a reader
// writes a name, an advertiser a brand) it weighs `name_factor` times as much; inside
// quotation marks (a reader quoting a flyer) it does not count; in a comment that warns
// about such offers (a `warning_words` entry) and gives no contact and no link it weighs
// `warning_factor` times as much.
struct SuspectWordRule : WordRule {
  double name_factor = 1;
  std::vector<std::string> warning_words;
  WordList warning_list;
  double warning_factor = 1;
};

struct LinkRule : RuleBase {
  // `weight` is per link beyond `free_links`.
  int free_links = 0;
  double blocked_weight = 10;                // a link to a blocked domain
  double shortener_weight = 3;               // a link through a URL shortener
  double disguised_weight = 3;  // a link whose dots are written [.], (.), "chấm"
  std::vector<std::string> allowed_domains;  // never counted (and their subdomains)
  std::vector<std::string> blocked_domains;
  std::vector<std::string> shorteners;
};

struct ContactRule : RuleBase {
  // Phone numbers (any spacing, digits written as words or with look-alike
  // letters), e-mail addresses, and Zalo, Telegram, Facebook or Viber
  // handles, weighed by what they are and where they appear.
  double phone_weight = 4;     // a mobile number in the body
  double landline_weight = 4;  // a fixed line or a 1800/1900 number: offices, hotlines
  double email_weight = 3;
  double messenger_weight = 3;  // a messenger named ("Zalo", "Telegram")
  double handle_weight = 3;     // a messenger handle or link (@name, t.me/name)
  // Any contact in the name or title field: readers sign with a name, not a number.
  double header_weight = 4;
  // Words of a public service ("đường dây nóng", "UBND", "trạm y tế"): a comment
  // naming one gives its hotline; its body's contact weighs `civic_factor` as much.
  std::vector<std::string> civic_words;
  WordList civic_list;
  double civic_factor = 1;
};

// Marks of a promotion, the weight once per kind found, at most twice: a brand written as capitals and digits
// ("ABCXYZ88", "789ABC" in the name, title or body, as betting sites name
// themselves), "nạp 100k" deposit offers, and the symbols ads point with.
struct PromotionRule : RuleBase {
  std::vector<std::string> symbols;  // e.g. "👉", "✅", "☎"
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
  SuspectWordRule suspect_words;
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
  PromotionRule promotion;
  ClassifierRule classifier;
};

// The rules' base values: sensible weights, empty word lists. What a rules
// file starts from before its own keys apply.
[[nodiscard]] SpamRules DefaultSpamRules();

// deploy/spam-rules.toml as it was when the binary was built: what the server
// scores with when no rules file is configured, so that every way of starting
// it (the container image, compose, scripts/run.sh, a bare binary) scores with
// the same shipped word lists and weights.
extern const char kShippedSpamRulesToml[];
extern const char kShippedSpamRulesName[];
[[nodiscard]] SpamRules ShippedSpamRules();

// Parses a rules file (TOML; see deploy/spam-rules.toml). INVALID_ARGUMENT
// naming the file, line and key for a syntax error, an unknown key, a wrong
// type or a value out of range.
[[nodiscard]] absl::StatusOr<SpamRules> ParseSpamRules(absl::string_view toml,
                                                       absl::string_view source_name);
// NOT_FOUND for a missing file, INVALID_ARGUMENT for an empty one.
[[nodiscard]] absl::StatusOr<SpamRules> LoadSpamRules(const std::string& path);

}  // namespace moderation::spam
