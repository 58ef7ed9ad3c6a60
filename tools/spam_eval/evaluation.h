#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "service/classifier/spam_classifier.h"
#include "tools/spam_eval/dataset.h"

namespace moderation::spam_eval {

// Counts of a binary decision with spam as the positive class.
struct Confusion {
  std::size_t true_spam = 0;   // spam flagged
  std::size_t false_spam = 0;  // ham flagged
  std::size_t true_ham = 0;    // ham passed
  std::size_t false_ham = 0;   // spam passed
};

struct Report {
  Confusion confusion;
  double threshold = 0;
  double precision = 0;  // of the spam class
  double recall = 0;
  double f1 = 0;
  double ham_false_positive_rate = 0;  // ham flagged / ham
  double macro_f1 = 0;                 // mean of the spam and ham F1
  std::size_t n_test = 0;
};

// Figures of `confusion`; a ratio whose denominator is 0 is 0.
[[nodiscard]] Report Summarize(const Confusion& confusion, double threshold);

// One JSON object: precision, recall, f1, ham_fpr, macro_f1, n_test, threshold and the counts.
[[nodiscard]] std::string ToJson(const Report& report);
// A few lines for people.
[[nodiscard]] std::string ToText(const Report& report);

struct Prediction {
  double spam_probability = 0;
  bool predicted_spam = false;
};

struct EvaluationOptions {
  // Spam when the probability is above this.
  double threshold = classifier::kDefaultSpamThreshold;
  // Prequential: after scoring each test row, learn its true label (as a moderator's decision
  // would teach the service).
  bool learn_online = false;
};

// Scores every test row, in order. With learn_online the classifier learns as it goes.
[[nodiscard]] std::vector<Prediction> Predict(classifier::SpamClassifier& classifier,
                                              const std::vector<LabelledText>& test,
                                              const EvaluationOptions& options);

[[nodiscard]] Confusion Tally(const std::vector<LabelledText>& test,
                              const std::vector<Prediction>& predictions);

// Extracts the features of `texts` and trains on them.
[[nodiscard]] absl::StatusOr<classifier::SpamClassifier> TrainOn(
    const std::vector<LabelledText>& texts, const classifier::TrainingOptions& options);

}  // namespace moderation::spam_eval
