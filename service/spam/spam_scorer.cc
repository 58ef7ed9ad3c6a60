#include "service/spam/spam_scorer.h"

#include <re2/re2.h>

#include <algorithm>
#include <bit>
#include <optional>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "service/spam/evasion.h"
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
  RE2 messenger_word_at{R"(\b(zalo|telegram|tele|viber|whatsapp|wechat|skype|fanpage|inbox|ib)\b)"};
  // A brand of capitals and digits: "ABCXY88", "789ABC" (not "QL32", "F0").
  RE2 brand{R"((?:^|[^A-Za-z0-9])([A-Z]{4,12}[0-9]{2,3}|[0-9]{2,3}[A-Z]{3,8})(?:$|[^A-Za-z0-9]))"};
  // A deposit offer: "nạp 100k", "nạp 1 được 2", "nap 50k tang 50k".
  RE2 deposit{R"(\b(nap (?:[0-9]+ ?(?:k|tr|trieu|d)?\b|lan dau|dau)))"};
  // "@name" not inside an e-mail address.
  RE2 handle{R"((?:^|[^a-z0-9._%+\-])@([a-z0-9_.]{3,32}))"};
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

  // `text`: title and body; `own_words`: the same without quotations, when
  // they had any (else null); `has_contact`: a contact or link was found.
  void Words(const AnalyzedText& text, const AnalyzedText* own_words, const AnalyzedText& name,
             bool has_contact) {
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
    const SuspectWordRule& rule = rules_.suspect_words;
    std::vector<std::string> suspect = rule.list.FindIn(own_words != nullptr ? *own_words : text);
    double units = static_cast<double>(suspect.size());
    // In the name field an entry weighs more; found in both, it counts once.
    for (std::string& word : rule.list.FindIn(name)) {
      const auto in_text = std::find(suspect.begin(), suspect.end(), word);
      units += in_text == suspect.end() ? rule.name_factor : rule.name_factor - 1;
      if (in_text == suspect.end()) {
        suspect.push_back(absl::StrCat(word, " (name)"));
      }
    }
    if (!suspect.empty()) {
      std::string detail = absl::StrJoin(suspect, ", ");
      if (!has_contact && rule.warning_factor != 1 && !rule.warning_list.empty()) {
        const std::vector<std::string> warnings = rule.warning_list.FindIn(text);
        if (!warnings.empty()) {
          units *= rule.warning_factor;
          absl::StrAppend(&detail, "; warns: ", absl::StrJoin(warnings, ", "));
        }
      }
      Fire("suspect_words", rule, rule.weight * units, std::move(detail));
    }
    const std::vector<std::string> names = rules_.restricted_names.list.FindIn(name);
    if (!names.empty()) {
      Fire("restricted_names", rules_.restricted_names, rules_.restricted_names.weight,
           absl::StrJoin(names, ", "));
    }
  }

  // `folded`: name, title and body, folded. Returns whether a link counted.
  bool Links(const std::string& folded) {
    const LinkRule& rule = rules_.links;
    bool disguised = false;
    std::string unmasked = UnmaskLinks(folded, disguised);
    // An e-mail address is a contact, not a link to its domain.
    if (unmasked.find('@') != std::string::npos) {
      RE2::GlobalReplace(&unmasked, Regexes().email, " ");
    }
    if (!MayHoldLink(unmasked)) {
      return false;
    }
    re2::StringPiece input(unmasked);
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
    if (disguised && counted > 0) {
      Fire("links_disguised", rule, rule.disguised_weight, "a dot written as [.], (.) or chấm");
    }
    return counted > 0;
  }

  // What contacts one field holds, each kind once.
  struct Contacts {
    int mobiles = 0;
    int landlines = 0;
    int civic_phones = 0;      // numbers right after a public service's name
    bool civic_group = false;  // a messenger named with a public service: a group
    bool email = false;
    bool handle = false;    // @name, t.me/name, zalo.me/...
    std::string messenger;  // a messenger named
    std::vector<std::string> civic;
    [[nodiscard]] bool any() const {
      return mobiles + landlines + civic_phones > 0 || email || handle || !messenger.empty() ||
             civic_group;
    }
  };

  // The public service named just before a number, if any: "gọi đường dây
  // nóng của UBND phường 024...", "tổ trưởng 0845...".
  std::vector<std::string> CivicBefore(const std::string& text, std::size_t at) const {
    const WordList& civic = rules_.contact.civic_list;
    if (civic.empty()) {
      return {};
    }
    constexpr std::size_t kWindowBytes = 90;
    std::size_t start = at > kWindowBytes ? at - kWindowBytes : 0;
    while (start < at && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) {
      ++start;
    }
    return civic.FindIn(AnalyzeText(absl::string_view(text).substr(start, at - start)));
  }

  Contacts FindContacts(const AnalyzedText& text) const {
    Contacts found;
    const std::string unmasked = UnmaskDigits(text);
    // Phones: candidates by pattern, confirmed by libphonenumber, never shown.
    const auto digits = std::count_if(unmasked.begin(), unmasked.end(),
                                      [](char c) { return c >= '0' && c <= '9'; });
    if (digits >= 9) {
      re2::StringPiece input(unmasked);
      re2::StringPiece match;
      while (RE2::FindAndConsume(&input, Regexes().phone, &match)) {
        std::string number;
        for (char c : match) {
          if (absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '+') {
            number.push_back(c);
          }
        }
        absl::StatusOr<std::string> e164 = validation::NormalizeVietnamesePhone(number);
        if (!e164.ok()) {
          continue;
        }
        std::vector<std::string> civic =
            CivicBefore(unmasked, static_cast<std::size_t>(match.data() - unmasked.data()));
        if (!civic.empty()) {
          ++found.civic_phones;
          found.civic.insert(found.civic.end(), civic.begin(), civic.end());
        } else {
          // +84 2x: a fixed line (offices, hospitals, utilities); else a mobile.
          ++(absl::StartsWith(*e164, "+842") ? found.landlines : found.mobiles);
        }
      }
    }
    if (text.folded.find('@') != std::string::npos &&
        RE2::PartialMatch(text.folded, Regexes().email)) {
      found.email = true;
    }
    std::string messenger;
    if ((text.plain.find('/') != std::string::npos &&
         RE2::PartialMatch(text.plain, Regexes().messenger_link, &messenger)) ||
        (text.plain.find('@') != std::string::npos &&
         RE2::PartialMatch(text.plain, Regexes().handle, &messenger))) {
      found.handle = true;
      found.messenger = messenger;
    } else if (re2::StringPiece named;
               RE2::PartialMatch(text.plain, Regexes().messenger_word_at, &named)) {
      found.messenger = std::string(named.data(), named.size());
      // A residents' group or a ward's official account: a public service
      // named around the messenger.
      const auto at = static_cast<std::size_t>(named.data() - text.plain.data());
      std::vector<std::string> civic = CivicBefore(text.plain, at);
      if (civic.empty()) {
        const std::size_t after = std::min(text.plain.size(), at + named.size() + 60);
        civic = CivicBefore(text.plain, after);
      }
      {
        if (!civic.empty()) {
          found.messenger.clear();
          found.civic_group = true;
          found.civic.insert(found.civic.end(), civic.begin(), civic.end());
        }
      }
    }
    return found;
  }

  static std::vector<std::string> Describe(const Contacts& c) {
    std::vector<std::string> parts;
    if (c.mobiles > 0) {
      parts.push_back(absl::StrCat("mobile phone ×", c.mobiles));
    }
    if (c.landlines > 0) {
      parts.push_back(absl::StrCat("landline phone ×", c.landlines));
    }
    if (c.email) {
      parts.emplace_back("e-mail");
    }
    if (!c.messenger.empty()) {
      parts.push_back(c.handle ? absl::StrCat("handle ", c.messenger) : c.messenger);
    }
    if (c.civic_phones > 0 || c.civic_group) {
      parts.push_back(
          absl::StrCat(c.civic_group ? "group of " : "line of ", absl::StrJoin(c.civic, ", ")));
    }
    return parts;
  }

  // Contacts in the body weigh by kind, the strongest once (a phone given as
  // "Zalo 09..." is one contact); a number right after a public service's
  // name is its hotline and weighs `civic_factor` times a mobile. Any contact
  // in the name or title weighs `header_weight`. Returns whether any was found.
  bool Contact(const AnalyzedText& header, const AnalyzedText& text) {
    const ContactRule& rule = rules_.contact;
    const Contacts in_text = FindContacts(text);
    const Contacts in_header = header.words.empty() ? Contacts() : FindContacts(header);
    double score = 0;
    std::vector<std::string> found;
    if (in_text.any()) {
      double strongest = 0;
      if (in_text.mobiles > 0) {
        strongest = std::max(strongest, rule.phone_weight);
      }
      if (in_text.landlines > 0) {
        strongest = std::max(strongest, rule.landline_weight);
      }
      if (in_text.civic_phones > 0 || in_text.civic_group) {
        strongest = std::max(strongest, rule.phone_weight * rule.civic_factor);
      }
      if (in_text.email) {
        strongest = std::max(strongest, rule.email_weight);
      }
      if (in_text.handle) {
        strongest = std::max(strongest, rule.handle_weight);
      } else if (!in_text.messenger.empty()) {
        strongest = std::max(strongest, rule.messenger_weight);
      }
      found = Describe(in_text);
      score += strongest;
    }
    if (in_header.mobiles + in_header.landlines + in_header.civic_phones > 0 || in_header.email ||
        in_header.handle) {
      score += rule.header_weight;
      for (std::string& part : Describe(in_header)) {
        found.push_back(absl::StrCat(part, " in name or title"));
      }
    }
    if (!found.empty()) {
      Fire("contact", rule, score, absl::StrJoin(found, ", "));
    }
    return in_text.mobiles + in_text.landlines > 0 || in_text.email || in_text.handle ||
           in_header.any();
  }

  // `fields`: name, title and body as typed (capitals matter here).
  void Promotion(absl::string_view fields, const std::string& plain) {
    const PromotionRule& rule = rules_.promotion;
    if (rule.weight == 0) {
      return;
    }
    std::vector<std::string> found;
    std::string brand;
    if (RE2::PartialMatch(re2::StringPiece(fields.data(), fields.size()), Regexes().brand,
                          &brand)) {
      found.push_back(brand);
    }
    std::string deposit;
    if (plain.find("nap") != std::string::npos &&
        RE2::PartialMatch(plain, Regexes().deposit, &deposit)) {
      found.push_back(deposit);
    }
    // One pass for the symbols' first bytes before a search per symbol: most
    // comments hold none of them.
    std::string first_bytes;
    for (const std::string& symbol : rule.symbols) {
      if (!symbol.empty() && first_bytes.find(symbol[0]) == std::string::npos) {
        first_bytes.push_back(symbol[0]);
      }
    }
    if (!first_bytes.empty() && fields.find_first_of(first_bytes) != absl::string_view::npos) {
      for (const std::string& symbol : rule.symbols) {
        if (!symbol.empty() && absl::StrContains(fields, symbol)) {
          found.push_back(symbol);
          break;
        }
      }
    }
    if (!found.empty()) {
      // Two kinds of mark (a brand and a deposit offer) say more than one.
      Fire("promotion", rule,
           rule.weight * static_cast<double>(std::min<std::size_t>(found.size(), 2)),
           absl::StrJoin(found, ", "));
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

  // Every field is scored: an advertiser's brand or number in the name or
  // title counts as much as in the body.
  AnalyzedText header = AnalyzeText(input.name);
  AnalyzedText title = AnalyzeText(input.title);
  const AnalyzedText name = header;
  header = Joined(std::move(header), title);
  const AnalyzedText text = Joined(std::move(title), std::move(body));
  // What the writer says in their own words: quoted flyers do not count as
  // advertising vocabulary.
  std::optional<AnalyzedText> own_words;
  if (input.title.find_first_of("\"\xE2\xC2") != absl::string_view::npos ||
      input.body.find_first_of("\"\xE2\xC2") != absl::string_view::npos) {
    const std::string title_own = WithoutQuotations(input.title);
    const std::string body_own = WithoutQuotations(input.body);
    if (title_own.size() != input.title.size() || body_own.size() != input.body.size()) {
      own_words = Joined(AnalyzeText(title_own), AnalyzeText(body_own));
    }
  }

  Evaluation evaluation(rules, examination.signals);
  const bool has_contact = evaluation.Contact(header, text);
  const bool has_link = evaluation.Links(
      name.folded.empty() ? text.folded : absl::StrCat(name.folded, " ", text.folded));
  evaluation.Words(text, own_words ? &*own_words : nullptr, name, has_contact || has_link);
  evaluation.Promotion(absl::StrCat(input.name, "\n", input.title, "\n", input.body), text.plain);
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
