#include "tools/spam_eval/evaluation.h"

#include "absl/strings/str_format.h"

namespace moderation::spam_eval {
namespace {

double Ratio(std::size_t numerator, std::size_t denominator) {
  return denominator == 0 ? 0.0 : static_cast<double>(numerator) / denominator;
}

double F1(double precision, double recall) {
  return precision + recall == 0 ? 0.0 : 2 * precision * recall / (precision + recall);
}

}  // namespace

Report Summarize(const Confusion& c, double threshold) {
  Report report;
  report.confusion = c;
  report.threshold = threshold;
  report.precision = Ratio(c.true_spam, c.true_spam + c.false_spam);
  report.recall = Ratio(c.true_spam, c.true_spam + c.false_ham);
  report.f1 = F1(report.precision, report.recall);
  report.ham_false_positive_rate = Ratio(c.false_spam, c.false_spam + c.true_ham);
  const double ham_f1 =
      F1(Ratio(c.true_ham, c.true_ham + c.false_ham), Ratio(c.true_ham, c.true_ham + c.false_spam));
  report.macro_f1 = (report.f1 + ham_f1) / 2;
  report.n_test = c.true_spam + c.false_spam + c.true_ham + c.false_ham;
  return report;
}

std::string ToJson(const Report& r) {
  return absl::StrFormat(
      "{\"precision\": %.6f, \"recall\": %.6f, \"f1\": %.6f, \"ham_fpr\": %.6f, "
      "\"macro_f1\": %.6f, \"n_test\": %d, \"threshold\": %.6f, \"true_spam\": %d, "
      "\"false_spam\": %d, \"true_ham\": %d, \"false_ham\": %d}",
      r.precision, r.recall, r.f1, r.ham_false_positive_rate, r.macro_f1, r.n_test, r.threshold,
      r.confusion.true_spam, r.confusion.false_spam, r.confusion.true_ham, r.confusion.false_ham);
}

std::string ToText(const Report& r) {
  return absl::StrFormat(
      "test rows      %d (spam %d, ham %d)\n"
      "threshold      %.3f\n"
      "spam precision %.4f\n"
      "spam recall    %.4f\n"
      "spam F1        %.4f\n"
      "ham FPR        %.4f (%d of %d ham flagged)\n"
      "macro-F1       %.4f\n",
      r.n_test, r.confusion.true_spam + r.confusion.false_ham,
      r.confusion.true_ham + r.confusion.false_spam, r.threshold, r.precision, r.recall, r.f1,
      r.ham_false_positive_rate, r.confusion.false_spam,
      r.confusion.true_ham + r.confusion.false_spam, r.macro_f1);
}

std::vector<Prediction> Predict(classifier::SpamClassifier& classifier,
                                const std::vector<LabelledText>& test,
                                const EvaluationOptions& options) {
  std::vector<Prediction> predictions;
  predictions.reserve(test.size());
  for (const LabelledText& row : test) {
    const classifier::FeatureVector features = classifier.Extract(row.text);
    const double p = classifier.SpamProbability(features);
    predictions.push_back({p, p > options.threshold});
    if (options.learn_online) {
      classifier.Learn(features, row.is_spam);
    }
  }
  return predictions;
}

Confusion Tally(const std::vector<LabelledText>& test, const std::vector<Prediction>& predictions) {
  Confusion c;
  for (std::size_t i = 0; i < test.size() && i < predictions.size(); ++i) {
    const bool spam = test[i].is_spam;
    const bool flagged = predictions[i].predicted_spam;
    (spam ? (flagged ? c.true_spam : c.false_ham) : (flagged ? c.false_spam : c.true_ham)) += 1;
  }
  return c;
}

absl::StatusOr<classifier::SpamClassifier> TrainOn(const std::vector<LabelledText>& texts,
                                                   const classifier::TrainingOptions& options) {
  const classifier::SpamClassifier extractor =
      classifier::SpamClassifier::Untrained(options.hash_bits);
  std::vector<classifier::LabelledFeatures> examples;
  examples.reserve(texts.size());
  for (const LabelledText& row : texts) {
    examples.push_back({extractor.Extract(row.text), row.is_spam});
  }
  return classifier::SpamClassifier::Train(examples, options);
}

}  // namespace moderation::spam_eval
