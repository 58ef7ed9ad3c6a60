#include "service/spam/spam_rules.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "service/common/status_macros.h"
#include "service/common/toml_text.h"

namespace moderation::spam {
namespace {

// Reads one table of the rules file, refusing keys it was not asked about, so
// that a misspelt key is an error rather than a rule silently left at its
// default.
class TableReader {
 public:
  TableReader(const toml::table* table, std::string path, std::string source)
      : table_(table), path_(std::move(path)), source_(std::move(source)) {}

  absl::Status Number(absl::string_view key, double& out, double min, double max) {
    const toml::node* node = Find(key);
    if (node == nullptr) {
      return absl::OkStatus();
    }
    std::optional<double> value = node->value<double>();
    if (!value || !(node->is_integer() || node->is_floating_point())) {
      return Error(key, node, "must be a number");
    }
    if (*value < min || *value > max) {
      return Error(key, node, absl::StrCat("must be between ", min, " and ", max));
    }
    out = *value;
    return absl::OkStatus();
  }

  absl::Status Integer(absl::string_view key, int& out, int min, int max) {
    const toml::node* node = Find(key);
    if (node == nullptr) {
      return absl::OkStatus();
    }
    if (!node->is_integer()) {
      return Error(key, node, "must be an integer");
    }
    const int64_t value = *node->value<int64_t>();
    if (value < min || value > max) {
      return Error(key, node, absl::StrCat("must be between ", min, " and ", max));
    }
    out = static_cast<int>(value);
    return absl::OkStatus();
  }

  absl::Status Seconds(absl::string_view key, absl::Duration& out, int64_t min, int64_t max) {
    int value = static_cast<int>(absl::ToInt64Seconds(out));
    RETURN_IF_ERROR(Integer(key, value, static_cast<int>(min), static_cast<int>(max)));
    out = absl::Seconds(value);
    return absl::OkStatus();
  }

  absl::Status Bool(absl::string_view key, bool& out) {
    const toml::node* node = Find(key);
    if (node == nullptr) {
      return absl::OkStatus();
    }
    if (!node->is_boolean()) {
      return Error(key, node, "must be true or false");
    }
    out = *node->value<bool>();
    return absl::OkStatus();
  }

  absl::Status String(absl::string_view key, std::string& out) {
    const toml::node* node = Find(key);
    if (node == nullptr) {
      return absl::OkStatus();
    }
    if (!node->is_string()) {
      return Error(key, node, "must be a string");
    }
    out = *node->value<std::string>();
    return absl::OkStatus();
  }

  absl::Status Strings(absl::string_view key, std::vector<std::string>& out) {
    const toml::node* node = Find(key);
    if (node == nullptr) {
      return absl::OkStatus();
    }
    const toml::array* array = node->as_array();
    if (array == nullptr) {
      return Error(key, node, "must be an array of strings");
    }
    std::vector<std::string> values;
    for (const toml::node& element : *array) {
      if (!element.is_string()) {
        return Error(key, &element, "must be an array of strings");
      }
      values.push_back(*element.value<std::string>());
    }
    out = std::move(values);
    return absl::OkStatus();
  }

  // Weight and shadow, which every rule has.
  absl::Status Rule(RuleBase& rule) {
    RETURN_IF_ERROR(Number("weight", rule.weight, -100, 100));
    return Bool("shadow", rule.shadow);
  }

  // Call last: any key not read is an error.
  absl::Status CheckNoOthers() const {
    if (table_ == nullptr) {
      return absl::OkStatus();
    }
    for (const auto& [key, node] : *table_) {
      if (!read_.contains(std::string(key.str()))) {
        const std::string name(key.str());
        return Error(name, &node, "is not a known setting");
      }
    }
    return absl::OkStatus();
  }

 private:
  const toml::node* Find(absl::string_view key) {
    read_.insert(std::string(key));
    if (table_ == nullptr) {
      return nullptr;
    }
    return table_->get(std::string_view(key.data(), key.size()));
  }

  absl::Status Error(absl::string_view key, const toml::node* node, absl::string_view what) const {
    const std::string full = path_.empty() ? std::string(key) : absl::StrCat(path_, ".", key);
    return absl::InvalidArgumentError(
        absl::StrCat(source_, ":", node->source().begin.line, ": ", full, " ", what));
  }

  const toml::table* table_;
  std::string path_;
  std::string source_;
  std::set<std::string> read_;
};

absl::Status ReadWordRule(const toml::table* table, const std::string& path,
                          const std::string& source, WordRule& rule) {
  TableReader reader(table, path, source);
  RETURN_IF_ERROR(reader.Rule(rule));
  RETURN_IF_ERROR(reader.Strings("words", rule.words));
  RETURN_IF_ERROR(reader.CheckNoOthers());
  rule.list = WordList(rule.words);
  return absl::OkStatus();
}

absl::Status ReadRules(const toml::table& root, const std::string& source, SpamRules& rules) {
  TableReader top(&root, "", source);
  const auto table = [&](absl::string_view name) -> const toml::table* {
    const toml::node* node = root.get(std::string_view(name.data(), name.size()));
    return node == nullptr ? nullptr : node->as_table();
  };
  // Every top-level key must be one of these tables.
  static constexpr absl::string_view kTables[] = {
      "thresholds",     "banned_words",     "suspect_words",
      "links",          "contact",          "repeated_characters",
      "repeated_words", "shouting",         "length",
      "honeypot",       "too_fast",         "repeat_post",
      "near_duplicate", "restricted_names", "classifier",
      "promotion"};
  for (const auto& [key, node] : root) {
    const std::string name(key.str());
    if (std::find(std::begin(kTables), std::end(kTables), name) == std::end(kTables)) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ":", node.source().begin.line, ": ", name,
                       " is not a known section (known: ", absl::StrJoin(kTables, ", "), ")"));
    }
    if (!node.is_table()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ":", node.source().begin.line, ": ", name, " must be a table"));
    }
  }

  {
    TableReader reader(table("thresholds"), "thresholds", source);
    Thresholds& t = rules.thresholds;
    RETURN_IF_ERROR(reader.Number("flag", t.flag, 0, 1000));
    RETURN_IF_ERROR(reader.Number("reject", t.reject, 0, 1000));
    std::string action = t.reject_action == RejectAction::kRefuse ? "refuse" : "discard";
    RETURN_IF_ERROR(reader.String("reject_action", action));
    RETURN_IF_ERROR(reader.CheckNoOthers());
    if (action == "refuse") {
      t.reject_action = RejectAction::kRefuse;
    } else if (action == "discard") {
      t.reject_action = RejectAction::kDiscard;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": thresholds.reject_action must be \"refuse\" or \"discard\""));
    }
    if (t.flag > t.reject) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": thresholds.flag must not exceed thresholds.reject"));
    }
  }
  RETURN_IF_ERROR(ReadWordRule(table("banned_words"), "banned_words", source, rules.banned_words));
  {
    TableReader reader(table("suspect_words"), "suspect_words", source);
    SuspectWordRule& r = rules.suspect_words;
    RETURN_IF_ERROR(reader.Rule(r));
    RETURN_IF_ERROR(reader.Strings("words", r.words));
    RETURN_IF_ERROR(reader.Number("name_factor", r.name_factor, 0, 10));
    RETURN_IF_ERROR(reader.Strings("warning_words", r.warning_words));
    RETURN_IF_ERROR(reader.Number("warning_factor", r.warning_factor, 0, 10));
    RETURN_IF_ERROR(reader.CheckNoOthers());
    r.list = WordList(r.words);
    r.warning_list = WordList(r.warning_words);
  }
  RETURN_IF_ERROR(
      ReadWordRule(table("restricted_names"), "restricted_names", source, rules.restricted_names));
  {
    TableReader reader(table("links"), "links", source);
    LinkRule& r = rules.links;
    RETURN_IF_ERROR(reader.Rule(r));
    RETURN_IF_ERROR(reader.Integer("free_links", r.free_links, 0, 100));
    RETURN_IF_ERROR(reader.Number("blocked_weight", r.blocked_weight, -100, 100));
    RETURN_IF_ERROR(reader.Number("shortener_weight", r.shortener_weight, -100, 100));
    RETURN_IF_ERROR(reader.Number("disguised_weight", r.disguised_weight, -100, 100));
    RETURN_IF_ERROR(reader.Strings("allowed_domains", r.allowed_domains));
    RETURN_IF_ERROR(reader.Strings("blocked_domains", r.blocked_domains));
    RETURN_IF_ERROR(reader.Strings("shorteners", r.shorteners));
    RETURN_IF_ERROR(reader.CheckNoOthers());
  }
  {
    TableReader reader(table("contact"), "contact", source);
    ContactRule& r = rules.contact;
    RETURN_IF_ERROR(reader.Bool("shadow", r.shadow));
    RETURN_IF_ERROR(reader.Number("phone_weight", r.phone_weight, -100, 100));
    RETURN_IF_ERROR(reader.Number("email_weight", r.email_weight, -100, 100));
    RETURN_IF_ERROR(reader.Number("messenger_weight", r.messenger_weight, -100, 100));
    RETURN_IF_ERROR(reader.Number("landline_weight", r.landline_weight, -100, 100));
    RETURN_IF_ERROR(reader.Number("handle_weight", r.handle_weight, -100, 100));
    RETURN_IF_ERROR(reader.Number("header_weight", r.header_weight, -100, 100));
    RETURN_IF_ERROR(reader.Strings("civic_words", r.civic_words));
    RETURN_IF_ERROR(reader.Number("civic_factor", r.civic_factor, 0, 10));
    RETURN_IF_ERROR(reader.CheckNoOthers());
    r.civic_list = WordList(r.civic_words);
  }
  {
    TableReader reader(table("promotion"), "promotion", source);
    RETURN_IF_ERROR(reader.Rule(rules.promotion));
    RETURN_IF_ERROR(reader.Strings("symbols", rules.promotion.symbols));
    RETURN_IF_ERROR(reader.CheckNoOthers());
  }
  {
    TableReader reader(table("repeated_characters"), "repeated_characters", source);
    RETURN_IF_ERROR(reader.Rule(rules.repeated_characters));
    RETURN_IF_ERROR(reader.Integer("min_run", rules.repeated_characters.min_run, 2, 1000));
    RETURN_IF_ERROR(reader.CheckNoOthers());
  }
  {
    TableReader reader(table("repeated_words"), "repeated_words", source);
    RETURN_IF_ERROR(reader.Rule(rules.repeated_words));
    RETURN_IF_ERROR(reader.Integer("min_run", rules.repeated_words.min_run, 2, 1000));
    RETURN_IF_ERROR(reader.CheckNoOthers());
  }
  {
    TableReader reader(table("shouting"), "shouting", source);
    RETURN_IF_ERROR(reader.Rule(rules.shouting));
    RETURN_IF_ERROR(reader.Integer("min_letters", rules.shouting.min_letters, 1, 100000));
    RETURN_IF_ERROR(reader.Number("min_uppercase_ratio", rules.shouting.min_uppercase_ratio, 0, 1));
    RETURN_IF_ERROR(reader.CheckNoOthers());
  }
  {
    TableReader reader(table("length"), "length", source);
    RETURN_IF_ERROR(reader.Rule(rules.length));
    RETURN_IF_ERROR(reader.Integer("min_chars", rules.length.min_chars, 0, 100000));
    RETURN_IF_ERROR(reader.Integer("max_chars", rules.length.max_chars, 1, 1000000));
    RETURN_IF_ERROR(reader.CheckNoOthers());
  }
  {
    TableReader reader(table("honeypot"), "honeypot", source);
    RETURN_IF_ERROR(reader.Rule(rules.honeypot));
    RETURN_IF_ERROR(reader.CheckNoOthers());
  }
  {
    TableReader reader(table("too_fast"), "too_fast", source);
    RETURN_IF_ERROR(reader.Rule(rules.too_fast));
    RETURN_IF_ERROR(reader.Seconds("min_delay_seconds", rules.too_fast.min_delay, 0, 3600));
    RETURN_IF_ERROR(reader.CheckNoOthers());
  }
  {
    TableReader reader(table("repeat_post"), "repeat_post", source);
    RETURN_IF_ERROR(reader.Rule(rules.repeat_post));
    RETURN_IF_ERROR(
        reader.Seconds("window_seconds", rules.repeat_post.window, 1, int64_t{30} * 86400));
    RETURN_IF_ERROR(reader.Integer("min_words", rules.repeat_post.min_words, 0, 10000));
    RETURN_IF_ERROR(reader.CheckNoOthers());
  }
  {
    TableReader reader(table("near_duplicate"), "near_duplicate", source);
    NearDuplicateRule& r = rules.near_duplicate;
    RETURN_IF_ERROR(reader.Rule(r));
    RETURN_IF_ERROR(reader.Seconds("window_seconds", r.window, 1, int64_t{30} * 86400));
    RETURN_IF_ERROR(reader.Integer("max_distance", r.max_distance, 0, 3));
    RETURN_IF_ERROR(reader.Integer("min_words", r.min_words, 1, 10000));
    RETURN_IF_ERROR(reader.Integer("min_other_authors", r.min_other_authors, 1, 1000));
    RETURN_IF_ERROR(reader.CheckNoOthers());
  }
  {
    TableReader reader(table("classifier"), "classifier", source);
    ClassifierRule& r = rules.classifier;
    RETURN_IF_ERROR(reader.Rule(r));
    RETURN_IF_ERROR(reader.Number("neutral", r.neutral, 0.01, 0.99));
    RETURN_IF_ERROR(reader.Number("ham_factor", r.ham_factor, 0, 10));
    RETURN_IF_ERROR(reader.CheckNoOthers());
  }
  return absl::OkStatus();
}

}  // namespace

SpamRules DefaultSpamRules() {
  SpamRules rules;
  rules.banned_words.weight = 10;
  rules.suspect_words.weight = 3;
  rules.links.weight = 1;
  rules.links.shorteners = {"bit.ly",  "tinyurl.com", "goo.gl",      "t.co",    "ow.ly", "is.gd",
                            "cutt.ly", "rb.gy",       "shorturl.at", "tiny.cc", "s.id",  "v.gd"};
  rules.repeated_characters.weight = 1.5;
  rules.repeated_words.weight = 1.5;
  rules.shouting.weight = 1.5;
  rules.length.weight = 1;
  rules.honeypot.weight = 10;
  rules.too_fast.weight = 3;
  rules.repeat_post.weight = 5;
  rules.near_duplicate.weight = 4;
  rules.restricted_names.weight = 4;
  rules.classifier.weight = 6;
  rules.classifier.ham_factor = 0;
  return rules;
}

absl::StatusOr<SpamRules> ParseSpamRules(absl::string_view text, absl::string_view source_name) {
  ASSIGN_OR_RETURN(const toml::table table, ParseTomlText(text, source_name));
  SpamRules rules = DefaultSpamRules();
  RETURN_IF_ERROR(ReadRules(table, std::string(source_name), rules));
  return rules;
}

absl::StatusOr<SpamRules> LoadSpamRules(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return absl::NotFoundError(absl::StrCat("cannot read spam rules file ", path));
  }
  std::ostringstream contents;
  contents << file.rdbuf();
  // An empty file (a mount that went wrong, a truncated copy) would leave
  // every word list empty and catch little: refused rather than served.
  if (contents.str().find_first_not_of(" \t\r\n") == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("spam rules file ", path, " is empty"));
  }
  return ParseSpamRules(contents.str(), path);
}

SpamRules ShippedSpamRules() {
  static const auto* shipped = [] {
    absl::StatusOr<SpamRules> rules = ParseSpamRules(kShippedSpamRulesToml, kShippedSpamRulesName);
    // The file is checked by the build's unit tests; a broken copy is a
    // build defect, not a condition to serve with.
    if (!rules.ok()) {
      std::fprintf(stderr, "the built-in spam rules do not parse: %s\n",
                   std::string(rules.status().message()).c_str());
      std::abort();
    }
    return new SpamRules(*std::move(rules));
  }();
  return *shipped;
}

}  // namespace moderation::spam
