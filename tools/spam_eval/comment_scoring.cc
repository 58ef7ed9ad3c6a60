#include "tools/spam_eval/comment_scoring.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tools/spam_eval/dataset.h"
#include "tools/spam_eval/delimited.h"

namespace moderation::spam_eval {
namespace {

// The learned filter as the scorer sees it, remembering its last answer so that the
// prequential figures use the very probability the verdict used.
class RecordingModel final : public spam::SpamModel {
 public:
  explicit RecordingModel(const classifier::SpamClassifier& classifier)
      : classifier_(classifier) {}
  double SpamProbability(absl::string_view text) const override {
    last_ = classifier_.SpamProbability(
        classifier_.Extract(std::string_view(text.data(), text.size())));
    return last_;
  }
  [[nodiscard]] double last() const { return last_; }
  void Reset() { last_ = 0.5; }

 private:
  const classifier::SpamClassifier& classifier_;
  mutable double last_ = 0.5;  // one thread: the tool scores in order
};

// Recent bodies, as RedisSpamMemory keeps them, without windows.
class Memory {
 public:
  spam::Recollection Recall(const spam::BodyTraces& traces, const std::string& author,
                            int max_distance) const {
    spam::Recollection recollection;
    if (traces.repeat_eligible) {
      if (auto it = copies_.find(traces.normalized_body); it != copies_.end()) {
        recollection.earlier_copies = it->second;
      }
    }
    if (traces.simhash) {
      std::set<std::string> authors;
      for (const auto& [hash, other] : hashes_) {
        if (other != author && spam::HammingDistance(hash, *traces.simhash) <= max_distance) {
          authors.insert(other);
        }
      }
      recollection.near_duplicate_authors = static_cast<int>(authors.size());
    }
    return recollection;
  }

  void Remember(const spam::BodyTraces& traces, const std::string& author) {
    if (traces.repeat_eligible) {
      ++copies_[traces.normalized_body];
    }
    if (traces.simhash) {
      hashes_.emplace_back(*traces.simhash, author);
    }
  }

 private:
  std::map<std::string, int64_t> copies_;
  std::vector<std::pair<uint64_t, std::string>> hashes_;
};

double Share(std::size_t part, std::size_t whole) {
  return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}

}  // namespace

absl::StatusOr<std::vector<FormComment>> LoadFormComments(const std::string& path,
                                                          const CommentColumns& columns) {
  absl::StatusOr<std::string> data = ReadFile(path);
  if (!data.ok()) {
    return data.status();
  }
  absl::StatusOr<std::vector<Row>> rows = ParseTable(*data, TableFormat::kCsv);
  if (!rows.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", rows.status().message()));
  }
  if (rows->empty()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": no header"));
  }
  const Row& header = rows->front();
  const auto column = [&](const std::string& name,
                          bool required) -> absl::StatusOr<std::optional<std::size_t>> {
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (absl::StripAsciiWhitespace(header[i]) == name) {
        return i;
      }
    }
    if (required) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": no column \"", name, "\""));
    }
    return std::nullopt;
  };
  absl::StatusOr<std::optional<std::size_t>> id = column(columns.id, false);
  absl::StatusOr<std::optional<std::size_t>> article = column(columns.article, false);
  absl::StatusOr<std::optional<std::size_t>> name = column(columns.name, false);
  absl::StatusOr<std::optional<std::size_t>> phone = column(columns.phone, false);
  absl::StatusOr<std::optional<std::size_t>> title = column(columns.title, false);
  absl::StatusOr<std::optional<std::size_t>> body = column(columns.body, true);
  absl::StatusOr<std::optional<std::size_t>> label = column(columns.label, true);
  absl::StatusOr<std::optional<std::size_t>> order =
      columns.order.empty() ? absl::StatusOr<std::optional<std::size_t>>(std::nullopt)
                            : column(columns.order, true);
  for (const auto* status : {&body, &label, &order}) {
    if (!status->ok()) {
      return status->status();
    }
  }
  const auto field = [](const Row& row, const std::optional<std::size_t>& at) {
    return at && *at < row.size() ? row[*at] : std::string();
  };
  std::vector<std::pair<double, FormComment>> ordered;
  for (std::size_t r = 1; r < rows->size(); ++r) {
    const Row& row = (*rows)[r];
    if (row.size() != header.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": row ", r + 1, " has ", row.size(), " fields, not ", header.size()));
    }
    FormComment comment;
    comment.id = id.ok() && *id ? field(row, *id) : absl::StrCat("row ", r + 1);
    comment.article = field(row, article.ok() ? *article : std::nullopt);
    comment.name = field(row, name.ok() ? *name : std::nullopt);
    comment.phone = field(row, phone.ok() ? *phone : std::nullopt);
    comment.title = field(row, title.ok() ? *title : std::nullopt);
    comment.body = field(row, *body);
    comment.is_spam = absl::StripAsciiWhitespace(field(row, *label)) == columns.spam_label;
    double position = static_cast<double>(r);
    if (*order && !absl::SimpleAtod(field(row, *order), &position)) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": row ", r + 1, ": column \"", columns.order, "\" is not a number"));
    }
    ordered.emplace_back(position, std::move(comment));
  }
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<FormComment> comments;
  comments.reserve(ordered.size());
  for (auto& [position, comment] : ordered) {
    comments.push_back(std::move(comment));
  }
  return comments;
}

CommentScoringReport ScoreComments(const std::vector<FormComment>& comments,
                                   const spam::SpamRules& rules,
                                   classifier::SpamClassifier& model,
                                   const CommentScoringOptions& options) {
  RecordingModel recording(model);
  spam::SpamScorer scorer(rules, &recording);
  Memory memory;
  CommentScoringReport report;
  report.prequential_from = static_cast<std::size_t>(options.report_from *
                                                     static_cast<double>(comments.size()));
  for (std::size_t i = 0; i < comments.size(); ++i) {
    const FormComment& comment = comments[i];
    recording.Reset();
    spam::Examination examination = scorer.Examine({.name = comment.name,
                                                    .title = comment.title,
                                                    .body = comment.body,
                                                    .honeypot = {},
                                                    .since_captcha = std::nullopt});
    const std::string author = comment.phone.empty() ? absl::StrCat("comment:", comment.id)
                                                     : absl::StrCat("phone:", comment.phone);
    const spam::BodyTraces traces = examination.traces;
    const spam::Recollection recollection =
        memory.Recall(traces, author, rules.near_duplicate.max_distance);
    CommentOutcome outcome;
    outcome.spam_probability = recording.last();
    outcome.verdict = scorer.Decide(std::move(examination), recollection);
    memory.Remember(traces, author);
    VerdictCounts& counts = comment.is_spam ? report.spam : report.ham;
    switch (outcome.verdict.action) {
      case spam::SpamAction::kQueue:
        ++counts.queued;
        break;
      case spam::SpamAction::kFlag:
        ++counts.flagged;
        break;
      case spam::SpamAction::kReject:
        ++counts.refused;
        break;
    }
    if (i >= report.prequential_from) {
      const bool predicted = outcome.spam_probability > options.threshold;
      if (comment.is_spam) {
        ++(predicted ? report.filter_true_spam : report.filter_false_ham);
      } else {
        ++(predicted ? report.filter_false_spam : report.filter_true_ham);
      }
    }
    if (options.learn) {
      model.Learn(model.Extract(spam::ClassifierText(comment.title, comment.body)),
                  comment.is_spam);
    }
    report.outcomes.push_back(std::move(outcome));
  }
  return report;
}

std::string ToText(const CommentScoringReport& r) {
  const std::size_t caught = r.spam.flagged + r.spam.refused;
  const std::size_t filter_spam = r.filter_true_spam + r.filter_false_ham;
  const std::size_t filter_ham = r.filter_true_ham + r.filter_false_spam;
  const double precision =
      Share(r.filter_true_spam, r.filter_true_spam + r.filter_false_spam);
  const double recall = Share(r.filter_true_spam, filter_spam);
  const double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
  return absl::StrFormat(
      "spam           %d: flagged or refused %d (%.1f%%), refused %d, queued %d\n"
      "readers        %d: flagged %d (%.1f%%), refused %d\n"
      "learned filter alone, prequential over comments %d-%d (%d spam, %d ham):\n"
      "  spam caught  %d (recall %.3f), precision %.3f, F1 %.3f, readers flagged %d (%.1f%%)\n",
      r.spam.total(), caught, 100 * Share(caught, r.spam.total()), r.spam.refused, r.spam.queued,
      r.ham.total(), r.ham.flagged + r.ham.refused,
      100 * Share(r.ham.flagged + r.ham.refused, r.ham.total()), r.ham.refused,
      r.prequential_from + 1, r.outcomes.size(), filter_spam, filter_ham, r.filter_true_spam,
      recall, precision, f1, r.filter_false_spam, 100 * Share(r.filter_false_spam, filter_ham));
}

std::string ToJson(const CommentScoringReport& r) {
  return absl::StrFormat(
      "{\"spam\": %d, \"spam_flagged\": %d, \"spam_refused\": %d, \"ham\": %d, "
      "\"ham_flagged\": %d, \"ham_refused\": %d, \"prequential_from\": %d, "
      "\"filter_true_spam\": %d, \"filter_false_spam\": %d, \"filter_true_ham\": %d, "
      "\"filter_false_ham\": %d}",
      r.spam.total(), r.spam.flagged, r.spam.refused, r.ham.total(), r.ham.flagged, r.ham.refused,
      r.prequential_from + 1, r.filter_true_spam, r.filter_false_spam, r.filter_true_ham,
      r.filter_false_ham);
}

}  // namespace moderation::spam_eval
