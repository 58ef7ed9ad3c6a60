#include "service/spam/spam_scorer.h"

#include <re2/re2.h>

#include <algorithm>
#include <bit>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "service/spam/text_analysis.h"
#include "service/validation/phone.h"

namespace moderation::spam {
namespace {

// Top-level domains a bare "name.tld" is taken as a link for; with a scheme
// or "www." any domain counts. Keeps "tp.hcm" or "v.v." from being links.
const std::set<std::string, std::less<>>& BareLinkTlds() {
  static const auto* tlds = new std::set<std::string, std::less<>>{
      "com",  "net",   "org", "vn",  "info", "biz",    "xyz",  "top",  "io",  "co",
      "me",   "ly",    "gl",  "cc",  "site", "online", "shop", "club", "app", "link",
      "live", "store", "tk",  "ml",  "ga",   "cf",     "gq",   "ru",   "cn",  "asia",
      "win",  "bet",   "vip", "fun", "icu",  "pro",    "tv",   "id",   "at",  "gd"};
  return *tlds;
}

struct Patterns {
  RE2 link{R"((https?://|www\.)?((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+([a-z]{2,24}))\b)"};
  // A Vietnamese number: 0 or (+)84, then 8 to 10 more digits, with up to
  // three separators between digits ("0 9 1 2.345-678", "(+84) 912 345 678").
  RE2 phone{R"(((?:\+?\s*8\s*4|\b0)(?:[\s.\-()]{0,3}[0-9]){8,10})\b)"};
  RE2 email{R"([a-z0-9._%+\-]+@[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,})"};
  RE2 messenger_link{
      R"(\b(zalo\.me|t\.me|m\.me|fb\.com|facebook\.com|fb\.me|wa\.me)/[a-z0-9._\-]+)"};
  RE2 messenger_word{R"(\b(zalo|telegram|tele|viber|whatsapp|wechat|skype|fanpage|inbox|ib)\b)"};
};

const Patterns& Regexes() {
  static const auto* patterns = new Patterns();
  return *patterns;
}

bool DomainIn(absl::string_view domain, const std::vector<std::string>& list) {
  for (const std::string& entry : list) {
    if (domain == entry || absl::EndsWith(domain, absl::StrCat(".", entry))) {
      return true;
    }
  }
  return false;
}

// Whether `folded` has what every match of Patterns::link has: a dot between
// a letter or digit and a letter ("x.com"). Most comments have only dots that
// end sentences, and need not run the pattern.
bool MayHoldLink(const std::string& folded) {
  const auto lower_alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  for (std::size_t dot = folded.find('.'); dot != std::string::npos;
       dot = folded.find('.', dot + 1)) {
    if (dot > 0 && dot + 1 < folded.size() && lower_alnum(folded[dot - 1]) &&
        folded[dot + 1] >= 'a' && folded[dot + 1] <= 'z') {
      return true;
    }
  }
  return false;
}

class Evaluation {
 public:
  Evaluation(const SpamRules& rules, std::vector<Signal>& signals)
      : rules_(rules), signals_(signals) {}

  void Fire(absl::string_view rule, const RuleBase& base, double score, std::string detail) {
    if (score == 0) {
      return;
    }
    signals_.push_back(Signal{std::string(rule), score, std::move(detail), base.shadow});
  }

  void Words(const AnalyzedText& text, const AnalyzedText& name) {
    std::vector<std::string> banned = rules_.banned_words.list.FindIn(text);
    for (std::string& word : rules_.banned_words.list.FindIn(name)) {
      if (std::find(banned.begin(), banned.end(), word) == banned.end()) {
        banned.push_back(std::move(word));
      }
    }
    if (!banned.empty()) {
      Fire("banned_words", rules_.banned_words, rules_.banned_words.weight,
           absl::StrJoin(banned, ", "));
    }
    const std::vector<std::string> suspect = rules_.suspect_words.list.FindIn(text);
    if (!suspect.empty()) {
      Fire("suspect_words", rules_.suspect_words,
           rules_.suspect_words.weight * static_cast<double>(suspect.size()),
           absl::StrJoin(suspect, ", "));
    }
    const std::vector<std::string> names = rules_.restricted_names.list.FindIn(name);
    if (!names.empty()) {
      Fire("restricted_names", rules_.restricted_names, rules_.restricted_names.weight,
           absl::StrJoin(names, ", "));
    }
  }

  void Links(const AnalyzedText& text) {
    const LinkRule& rule = rules_.links;
    if (!MayHoldLink(text.folded)) {
      return;
    }
    re2::StringPiece input(text.folded);
    std::string scheme;
    std::string domain;
    std::string tld;
    int counted = 0;
    std::vector<std::string> blocked;
    std::vector<std::string> shortened;
    std::vector<std::string> seen;
    while (RE2::FindAndConsume(&input, Regexes().link, &scheme, &domain, &tld)) {
      if (scheme.empty() && !BareLinkTlds().contains(tld)) {
        continue;
      }
      if (DomainIn(domain, rule.allowed_domains)) {
        continue;
      }
      ++counted;
      seen.push_back(domain);
      if (DomainIn(domain, rule.blocked_domains)) {
        blocked.push_back(domain);
      } else if (DomainIn(domain, rule.shorteners)) {
        shortened.push_back(domain);
      }
    }
    if (counted > rule.free_links) {
      Fire("links", rule, rule.weight * (counted - rule.free_links),
           absl::StrCat(counted, ": ", absl::StrJoin(seen, ", ")));
    }
    if (!blocked.empty()) {
      Fire("links_blocked", rule, rule.blocked_weight, absl::StrJoin(blocked, ", "));
    }
    if (!shortened.empty()) {
      Fire("links_shortened", rule, rule.shortener_weight, absl::StrJoin(shortened, ", "));
    }
  }

  void Contact(const AnalyzedText& text) {
    const ContactRule& rule = rules_.contact;
    std::vector<std::string> found;
    double score = 0;
    // Phones: candidates by pattern, confirmed by libphonenumber, shown masked.
    const auto digits = std::count_if(text.folded.begin(), text.folded.end(),
                                      [](char c) { return c >= '0' && c <= '9'; });
    if (digits >= 9) {
      re2::StringPiece input(text.folded);
      re2::StringPiece match;
      int phones = 0;
      while (RE2::FindAndConsume(&input, Regexes().phone, &match)) {
        std::string number;
        for (char c : match) {
          if (absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '+') {
            number.push_back(c);
          }
        }
        if (validation::NormalizeVietnamesePhone(number).ok()) {
          ++phones;
        }
      }
      if (phones > 0) {
        score += rule.phone_weight;
        found.push_back(absl::StrCat("phone ×", phones));
      }
    }
    if (text.folded.find('@') != std::string::npos &&
        RE2::PartialMatch(text.folded, Regexes().email)) {
      score += rule.email_weight;
      found.emplace_back("e-mail");
    }
    std::string messenger;
    if ((text.plain.find('/') != std::string::npos &&
         RE2::PartialMatch(text.plain, Regexes().messenger_link, &messenger)) ||
        RE2::PartialMatch(text.plain, Regexes().messenger_word, &messenger)) {
      score += rule.messenger_weight;
      found.push_back(messenger);
    }
    if (!found.empty()) {
      Fire("contact", rule, score, absl::StrJoin(found, ", "));
    }
  }

  void Repetition(const AnalyzedText& text) {
    // The same character many times ("!!!!!!!", "đẹpppppppp").
    {
      const RepeatedCharactersRule& rule = rules_.repeated_characters;
      int longest = 0;
      absl::string_view longest_char;
      std::size_t i = 0;
      const std::string& s = text.folded;
      while (i < s.size()) {
        std::size_t len = 1;
        while (i + len < s.size() && (static_cast<unsigned char>(s[i + len]) & 0xC0) == 0x80) {
          ++len;
        }
        const absl::string_view ch(s.data() + i, len);
        // Compared byte by byte: a call to memcmp per character was most of
        // this rule's time.
        const auto repeats_at = [&](std::size_t at) {
          return at + len <= s.size() && std::equal(ch.begin(), ch.end(), s.begin() + at);
        };
        int run = 1;
        std::size_t j = i + len;
        while (repeats_at(j)) {
          ++run;
          j += len;
        }
        if (ch != " " && run > longest) {
          longest = run;
          longest_char = ch;
        }
        i = j;
      }
      if (longest >= rule.min_run) {
        Fire("repeated_characters", rule, rule.weight,
             absl::StrCat("\"", longest_char, "\" ×", longest));
      }
    }
    // The same word many times in a row ("mua mua mua mua").
    {
      const RepeatedWordsRule& rule = rules_.repeated_words;
      int longest = 1;
      absl::string_view word;
      int run = 1;
      for (std::size_t k = 1; k < text.words.size(); ++k) {
        run = text.words[k].folded == text.words[k - 1].folded ? run + 1 : 1;
        if (run > longest) {
          longest = run;
          word = text.words[k].folded;
        }
      }
      if (longest >= rule.min_run) {
        Fire("repeated_words", rule, rule.weight, absl::StrCat("\"", word, "\" ×", longest));
      }
    }
  }

  void Shouting(const AnalyzedText& text) {
    const ShoutingRule& rule = rules_.shouting;
    if (text.letters >= rule.min_letters &&
        text.uppercase_letters >= rule.min_uppercase_ratio * text.letters) {
      Fire("shouting", rule, rule.weight,
           absl::StrCat(text.uppercase_letters * 100 / text.letters, "% upper case"));
    }
  }

  void Length(absl::string_view body) {
    const LengthRule& rule = rules_.length;
    int64_t chars = 0;
    for (char c : body) {
      chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
    }
    if (chars < rule.min_chars || chars > rule.max_chars) {
      Fire("length", rule, rule.weight, absl::StrCat(chars, " characters"));
    }
  }

  void Behaviour(const SpamInput& input) {
    if (!input.honeypot.empty()) {
      Fire("honeypot", rules_.honeypot, rules_.honeypot.weight, "hidden field filled in");
    }
    if (input.since_captcha && *input.since_captcha < rules_.too_fast.min_delay) {
      Fire("too_fast", rules_.too_fast, rules_.too_fast.weight,
           absl::StrCat(absl::ToInt64Milliseconds(*input.since_captcha), " ms after the captcha"));
    }
  }

  void Classifier(const SpamModel* model, const SpamInput& input) {
    const ClassifierRule& rule = rules_.classifier;
    if (model == nullptr || rule.weight == 0) {
      return;
    }
    const double p = model->SpamProbability(ClassifierText(input.title, input.body));
    double score = 0;
    if (p >= rule.neutral) {
      score = rule.weight * (p - rule.neutral) / (1 - rule.neutral);
    } else {
      score = -rule.weight * rule.ham_factor * (rule.neutral - p) / rule.neutral;
    }
    if (std::abs(score) >= 0.01) {
      Fire("classifier", rule, score, absl::StrFormat("p=%.3f", p));
    }
  }

 private:
  const SpamRules& rules_;
  std::vector<Signal>& signals_;
};

// The reason code a reader sees for the rule that weighed most.
absl::string_view RefusalReasonFor(absl::string_view rule) {
  if (rule == "banned_words" || rule == "restricted_names") {
    return "BANNED_WORD";
  }
  if (rule == "links_blocked") {
    return "LINK_NOT_ALLOWED";
  }
  if (rule == "repeat_post" || rule == "near_duplicate") {
    return "DUPLICATE_COMMENT";
  }
  return "SPAM_SUSPECTED";
}

// A final mix so that every output bit depends on every input bit.
uint64_t Mix(uint64_t hash) {
  hash ^= hash >> 33;
  hash *= 0xff51afd7ed558ccdULL;
  hash ^= hash >> 33;
  hash *= 0xc4ceb9fe1a85ec53ULL;
  hash ^= hash >> 33;
  return hash;
}

uint64_t Fnv1a(absl::string_view text) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return Mix(hash);
}

// Title and body as one text, as if separated by a line break.
AnalyzedText Joined(AnalyzedText first, AnalyzedText second) {
  if (!first.folded.empty() && !second.folded.empty()) {
    first.folded.push_back(' ');
    first.plain.push_back(' ');
  }
  first.folded += second.folded;
  first.plain += second.plain;
  first.words.insert(first.words.end(), std::make_move_iterator(second.words.begin()),
                     std::make_move_iterator(second.words.end()));
  first.joined_words.insert(first.joined_words.end(),
                            std::make_move_iterator(second.joined_words.begin()),
                            std::make_move_iterator(second.joined_words.end()));
  first.letters += second.letters;
  first.uppercase_letters += second.uppercase_letters;
  return first;
}

}  // namespace

namespace {

uint64_t SimHashOfHashes(const std::vector<uint64_t>& hashes) {
  // Ones per bit position; a bit of the result is set where most inputs had
  // it. Counted eight positions at a time: bits j, j + 8, ..., j + 56 of a
  // hash are added to the eight byte-wide counters of lanes[j], which are
  // moved to `ones` before any can overflow.
  constexpr uint64_t kLowBitOfEachByte = 0x0101010101010101ULL;
  constexpr uint32_t kMaxInLanes = 255;
  uint32_t ones[64] = {};
  uint64_t lanes[8] = {};
  uint32_t in_lanes = 0;
  uint32_t added = 0;
  const auto flush = [&] {
    for (int j = 0; j < 8; ++j) {
      for (int byte = 0; byte < 8; ++byte) {
        ones[8 * byte + j] += static_cast<uint32_t>((lanes[j] >> (8 * byte)) & 0xff);
      }
      lanes[j] = 0;
    }
    in_lanes = 0;
  };
  const auto add = [&](uint64_t hash) {
    for (int j = 0; j < 8; ++j) {
      lanes[j] += (hash >> j) & kLowBitOfEachByte;
    }
    ++added;
    if (++in_lanes == kMaxInLanes) {
      flush();
    }
  };
  if (hashes.size() < 2) {
    for (uint64_t hash : hashes) {
      add(hash);
    }
  }
  // Word pairs (2-shingles).
  for (std::size_t i = 1; i < hashes.size(); ++i) {
    add(Mix(hashes[i - 1] * 0x9e3779b97f4a7c15ULL + hashes[i]));
  }
  flush();
  uint64_t hash = 0;
  for (int bit = 0; bit < 64; ++bit) {
    if (2 * ones[bit] > added) {
      hash |= uint64_t{1} << bit;
    }
  }
  return hash;
}

}  // namespace

uint64_t SimHash(const std::vector<std::string>& words) {
  std::vector<uint64_t> hashes;
  hashes.reserve(words.size());
  for (const std::string& word : words) {
    hashes.push_back(Fnv1a(word));
  }
  return SimHashOfHashes(hashes);
}

uint64_t SimHash(const std::vector<Word>& words) {
  std::vector<uint64_t> hashes;
  hashes.reserve(words.size());
  for (const Word& word : words) {
    hashes.push_back(Fnv1a(word.plain));
  }
  return SimHashOfHashes(hashes);
}

int HammingDistance(uint64_t a, uint64_t b) { return std::popcount(a ^ b); }

std::string ClassifierText(absl::string_view title, absl::string_view body) {
  return absl::StrCat(title, "\n", body);
}

SpamScorer::SpamScorer(SpamRules rules, const SpamModel* model)
    : rules_(std::make_shared<const SpamRules>(std::move(rules))), model_(model) {}

void SpamScorer::ReplaceRules(SpamRules rules) {
  auto replacement = std::make_shared<const SpamRules>(std::move(rules));
  absl::MutexLock lock(&mutex_);
  rules_ = std::move(replacement);
}

std::shared_ptr<const SpamRules> SpamScorer::rules() const {
  absl::MutexLock lock(&mutex_);
  return rules_;
}

Examination SpamScorer::Examine(const SpamInput& input) const {
  Examination examination;
  examination.rules = rules();
  const SpamRules& rules = *examination.rules;
  // Each field is analysed once; the rules read title and body as one text.
  AnalyzedText body = AnalyzeText(input.body);

  // What the shared memory compares: the body alone, folded and unaccented,
  // so that re-typing it with or without diacritics is still a repeat.
  BodyTraces& traces = examination.traces;
  const int body_words = static_cast<int>(body.words.size());
  traces.repeat_eligible = body_words >= rules.repeat_post.min_words;
  if (body_words >= rules.near_duplicate.min_words) {
    traces.simhash = SimHash(body.words);
  }
  traces.normalized_body.reserve(body.plain.size());
  for (const Word& word : body.words) {
    if (!traces.normalized_body.empty()) {
      traces.normalized_body.push_back(' ');
    }
    traces.normalized_body += word.plain;
  }

  const AnalyzedText text = Joined(AnalyzeText(input.title), std::move(body));
  const AnalyzedText name = rules.banned_words.list.empty() && rules.restricted_names.list.empty()
                                ? AnalyzedText()
                                : AnalyzeText(input.name);

  Evaluation evaluation(rules, examination.signals);
  evaluation.Words(text, name);
  evaluation.Links(text);
  evaluation.Contact(text);
  evaluation.Repetition(text);
  evaluation.Shouting(text);
  evaluation.Length(input.body);
  evaluation.Behaviour(input);
  evaluation.Classifier(model_, input);
  return examination;
}

MemoryFinding FindingOf(const BodyTraces& traces, int near_duplicate_min_authors,
                        const Recollection& recollection) {
  if (traces.repeat_eligible && recollection.earlier_copies > 0) {
    return MemoryFinding::kRepeat;
  }
  if (traces.simhash && recollection.near_duplicate_authors >= near_duplicate_min_authors) {
    return MemoryFinding::kNearDuplicate;
  }
  return MemoryFinding::kNothing;
}

Verdict SpamScorer::Decide(Examination examination, const Recollection& recollection) const {
  const MemoryFinding finding = FindingOf(
      examination.traces, examination.rules->near_duplicate.min_other_authors, recollection);
  const int64_t count = finding == MemoryFinding::kRepeat ? recollection.earlier_copies + 1
                                                          : recollection.near_duplicate_authors;
  return DecideWith(std::move(examination), finding, absl::StrCat(count));
}

VerdictChoices SpamScorer::DecideEachWay(const Examination& examination) const {
  const std::string mark(1, kCountMark);
  return VerdictChoices{
      .nothing = DecideWith(examination, MemoryFinding::kNothing, mark),
      .repeat = DecideWith(examination, MemoryFinding::kRepeat, mark),
      .near_duplicate = DecideWith(examination, MemoryFinding::kNearDuplicate, mark),
  };
}

Verdict SpamScorer::DecideWith(Examination examination, MemoryFinding finding,
                               absl::string_view count) const {
  const SpamRules& rules = *examination.rules;
  Verdict verdict;
  verdict.signals = std::move(examination.signals);
  Evaluation evaluation(rules, verdict.signals);
  if (finding == MemoryFinding::kRepeat) {
    evaluation.Fire("repeat_post", rules.repeat_post, rules.repeat_post.weight,
                    absl::StrCat("posted ", count, " times"));
  } else if (finding == MemoryFinding::kNearDuplicate) {
    evaluation.Fire("near_duplicate", rules.near_duplicate, rules.near_duplicate.weight,
                    absl::StrCat(count, " other author(s) posted nearly the same text"));
  }
  const Signal* heaviest = nullptr;
  for (const Signal& signal : verdict.signals) {
    if (signal.shadow) {
      continue;
    }
    verdict.score += signal.score;
    if (heaviest == nullptr || signal.score > heaviest->score) {
      heaviest = &signal;
    }
  }
  if (verdict.score >= rules.thresholds.reject) {
    verdict.action = SpamAction::kReject;
    verdict.refusal_reason =
        std::string(heaviest != nullptr ? RefusalReasonFor(heaviest->rule) : "SPAM_SUSPECTED");
    verdict.discard = rules.thresholds.reject_action == RejectAction::kDiscard;
  } else if (verdict.score >= rules.thresholds.flag) {
    verdict.action = SpamAction::kFlag;
  }
  return verdict;
}

}  // namespace moderation::spam
