#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "service/classifier/spam_classifier.h"
#include "service/spam/spam_rules.h"
#include "service/spam/spam_scorer.h"

// Scores whole comment-form submissions (name, phone, title, body) with the
// spam rules and the learned filter, as the server does, in posting order.
namespace moderation::spam_eval {

struct FormComment {
  std::string id;
  std::string article;
  std::string name;
  std::string phone;
  std::string title;
  std::string body;
  bool is_spam = false;
};

// The columns of a comments file (CSV with a header); `order` may be empty (file order).
struct CommentColumns {
  std::string id = "id";
  std::string article = "article_topic";
  std::string name = "name";
  std::string phone = "phone";
  std::string title = "title";
  std::string body = "body";
  std::string label = "label";
  std::string spam_label = "spam";
  std::string order = "seq";  // a numeric column: comments are scored in its order
};

// The comments of `path`, sorted by the order column. NOT_FOUND or INVALID_ARGUMENT naming
// the file, the column or the row.
[[nodiscard]] absl::StatusOr<std::vector<FormComment>> LoadFormComments(
    const std::string& path, const CommentColumns& columns);

struct CommentScoringOptions {
  // Teach the learned filter each comment's label after its verdict, as a moderator's
  // decision does in the service.
  bool learn = true;
  // Figures of the learned filter alone are given over the comments after this fraction of
  // the stream (prequential: each is predicted before its label is learned).
  double report_from = 0.5;
  double threshold = classifier::kDefaultSpamThreshold;
};

struct CommentOutcome {
  spam::Verdict verdict;
  double spam_probability = 0;  // the learned filter's, before learning this comment
};

struct VerdictCounts {
  std::size_t queued = 0;
  std::size_t flagged = 0;
  std::size_t refused = 0;
  [[nodiscard]] std::size_t total() const { return queued + flagged + refused; }
};

struct CommentScoringReport {
  VerdictCounts spam;
  VerdictCounts ham;
  // The learned filter's own decisions (probability above the threshold), over the later
  // part of the stream.
  std::size_t prequential_from = 0;  // index of the first comment counted
  std::size_t filter_true_spam = 0;
  std::size_t filter_false_spam = 0;
  std::size_t filter_true_ham = 0;
  std::size_t filter_false_ham = 0;
  std::vector<CommentOutcome> outcomes;  // one per comment, in scoring order
};

// Scores `comments` in order with `rules` and `model` (learning as it goes when asked); the
// memory of recent bodies is in-process, nothing expires, and each comment's author is its
// phone number, or its own when it has none (each submission from its own address).
[[nodiscard]] CommentScoringReport ScoreComments(const std::vector<FormComment>& comments,
                                                 const spam::SpamRules& rules,
                                                 classifier::SpamClassifier& model,
                                                 const CommentScoringOptions& options);

// A few lines for people: share of spam flagged or refused, readers flagged, refused, and the
// learned filter's prequential figures.
[[nodiscard]] std::string ToText(const CommentScoringReport& report);
[[nodiscard]] std::string ToJson(const CommentScoringReport& report);

}  // namespace moderation::spam_eval
