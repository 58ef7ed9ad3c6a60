// spam-eval: trains the spam classifier (or loads a model) and measures it on labelled data.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "service/classifier/spam_classifier.h"
#include "absl/strings/str_join.h"
#include "tools/spam_eval/cli.h"
#include "tools/spam_eval/comment_scoring.h"
#include "tools/spam_eval/dataset.h"
#include "tools/spam_eval/delimited.h"
#include "tools/spam_eval/evaluation.h"

namespace moderation::spam_eval {
namespace {

// --comments: whole form submissions through the spam rules and the learned filter.
int RunComments(const std::string& path, const std::string& rules_file,
                const std::string& model_file, const CommentScoringOptions& options,
                const std::string& spam_label, const std::string& predictions_file, bool json) {
  CommentColumns columns;
  columns.spam_label = spam_label;
  absl::StatusOr<std::vector<FormComment>> comments = LoadFormComments(path, columns);
  if (!comments.ok()) {
    std::cerr << "spam-eval: " << comments.status().message() << "\n";
    return kExitUsage;
  }
  absl::StatusOr<spam::SpamRules> rules =
      rules_file.empty() ? spam::ShippedSpamRules() : spam::LoadSpamRules(rules_file);
  if (!rules.ok()) {
    std::cerr << "spam-eval: " << rules.status().message() << "\n";
    return kExitUsage;
  }
  absl::StatusOr<classifier::SpamClassifier> model = classifier::SpamClassifier::Untrained();
  if (!model_file.empty()) {
    absl::StatusOr<std::string> bytes = ReadFile(model_file);
    model = bytes.ok() ? classifier::SpamClassifier::Parse(*bytes)
                       : absl::StatusOr<classifier::SpamClassifier>(bytes.status());
    if (!model.ok()) {
      std::cerr << "spam-eval: " << model.status().message() << "\n";
      return kExitUsage;
    }
  }
  const CommentScoringReport report = ScoreComments(*comments, *rules, *model, options);
  if (!predictions_file.empty()) {
    std::ofstream out(predictions_file, std::ios::binary | std::ios::trunc);
    out << "id,is_spam,action,score,spam_probability,signals\r\n";
    for (std::size_t i = 0; i < comments->size(); ++i) {
      const CommentOutcome& outcome = report.outcomes[i];
      std::vector<std::string> signals;
      for (const spam::Signal& signal : outcome.verdict.signals) {
        signals.push_back(absl::StrCat(signal.rule, "=", signal.score, signal.shadow ? "(shadow)" : "",
                                       " [", signal.detail, "]"));
      }
      const char* action = outcome.verdict.action == spam::SpamAction::kReject ? "refused"
                           : outcome.verdict.action == spam::SpamAction::kFlag ? "flagged"
                                                                                : "queued";
      out << CsvField((*comments)[i].id) << ',' << ((*comments)[i].is_spam ? 1 : 0) << ','
          << action << ',' << outcome.verdict.score << ',' << outcome.spam_probability << ','
          << CsvField(absl::StrJoin(signals, "; ")) << "\r\n";
    }
    out.close();
    if (!out) {
      std::cerr << "spam-eval: cannot write " << predictions_file << "\n";
      return kExitFailure;
    }
  }
  std::cout << (json ? ToJson(report) + "\n" : ToText(report));
  return kExitOk;
}

int Run(int argc, char** argv) {
  CLI::App app{
      "spam-eval: train the spam classifier on labelled files and report precision, recall "
      "and F1 of the spam class, the ham false-positive rate and macro-F1 on test files"};
  app.name("spam-eval");
  DataFlags data;
  AddDataFlags(app, data);
  std::vector<std::string> test_files;
  app.add_option("--test", test_files, "labelled test files, comma-separated")->delimiter(',');
  std::string model_file;
  app.add_option("--model", model_file, "evaluate this model file instead of training one");
  bool json = false;
  app.add_flag("--json", json, "print one JSON object");
  std::string predictions_file;
  app.add_option("--predictions", predictions_file,
                 "write row,is_spam,predicted_spam,spam_probability,text per test row (CSV)");
  EvaluationOptions evaluation;
  app.add_option("--threshold", evaluation.threshold, "spam when the probability is above this")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_flag("--online", evaluation.learn_online,
               "learn each test row's label right after scoring it, as moderators' decisions "
               "teach the service");
  double report_from = 0;
  app.add_option("--report-from", report_from,
                 "count only the test rows after this leading fraction (with --online: "
                 "prequential figures over the later part of the stream)")
      ->check(CLI::Range(0.0, 0.99));
  std::string comments_file;
  app.add_option("--comments", comments_file,
                 "score whole comment-form submissions (CSV with columns id, name, phone, "
                 "title, body, label, seq) with the spam rules and the learned filter, in seq "
                 "order, the filter learning each label after its verdict; --spam-label "
                 "defaults to \"spam\" here, --report-from to 0.5");
  std::string rules_file;
  app.add_option("--rules", rules_file,
                 "with --comments: a spam rules file (default: the built-in "
                 "deploy/spam-rules.toml)");
  bool no_learning = false;
  app.add_flag("--no-learning", no_learning,
               "with --comments: the learned filter keeps its starting state");
  classifier::TrainingOptions training;
  AddTrainingFlags(app, training);
  app.footer(DataHelpFooter());
  // --comments names its own columns.
  for (const char* option : {"--text-column", "--label-column"}) {
    app.get_option(option)->required(false);
  }
  if (const int code = ParseCommandLine(app, argc, argv); code >= 0) {
    return code;
  }
  if (!comments_file.empty()) {
    CommentScoringOptions options;
    options.learn = !no_learning;
    options.threshold = evaluation.threshold;
    if (app.count("--report-from") > 0) {
      options.report_from = report_from;
    }
    return RunComments(comments_file, rules_file, model_file, options,
                       app.count("--spam-label") > 0 ? data.spam_label : "spam",
                       predictions_file, json);
  }
  if (data.text_column.empty() || data.label_column.empty()) {
    std::cerr << "spam-eval: --text-column and --label-column are required\n(see --help)\n";
    return kExitUsage;
  }

  std::vector<LabelledText> train;
  std::vector<LabelledText> test;
  const bool split_test = test_files.empty() && data.split > 0;
  if (model_file.empty() || split_test) {
    if (!LoadTrainingData(data, train, split_test ? &test : nullptr)) {
      return kExitUsage;
    }
  }
  if (!split_test) {
    if (test_files.empty()) {
      std::cerr << "spam-eval: give --test files, or --split to test on the rest of --train\n";
      return kExitUsage;
    }
    absl::StatusOr<std::vector<LabelledText>> rows = LoadAll(test_files, ColumnOptionsOf(data));
    if (!rows.ok()) {
      std::cerr << "spam-eval: " << rows.status().message() << "\n";
      return kExitUsage;
    }
    test = std::move(*rows);
  }

  absl::StatusOr<classifier::SpamClassifier> classifier = absl::UnknownError("unset");
  if (!model_file.empty()) {
    absl::StatusOr<std::string> bytes = ReadFile(model_file);
    classifier = bytes.ok() ? classifier::SpamClassifier::Parse(*bytes)
                            : absl::StatusOr<classifier::SpamClassifier>(bytes.status());
  } else {
    classifier = TrainOn(train, training);
  }
  if (!classifier.ok()) {
    std::cerr << "spam-eval: " << classifier.status().message() << "\n";
    return kExitUsage;
  }

  const std::vector<Prediction> predictions = Predict(*classifier, test, evaluation);
  // Prequential figures: every row is predicted (and learned with --online), only the later
  // part is counted, when the filter has seen the earlier part's labels.
  const auto from = static_cast<std::ptrdiff_t>(report_from * static_cast<double>(test.size()));
  const std::vector<LabelledText> counted_rows(test.begin() + from, test.end());
  const std::vector<Prediction> counted(predictions.begin() + from, predictions.end());
  const Report report = Summarize(Tally(counted_rows, counted), evaluation.threshold);
  if (!predictions_file.empty()) {
    std::ofstream out(predictions_file, std::ios::binary | std::ios::trunc);
    out << "row,is_spam,predicted_spam,spam_probability,text\r\n";
    for (std::size_t i = 0; i < test.size(); ++i) {
      out << i + 1 << ',' << (test[i].is_spam ? 1 : 0) << ','
          << (predictions[i].predicted_spam ? 1 : 0) << ',' << predictions[i].spam_probability
          << ',' << CsvField(test[i].text) << "\r\n";
    }
    out.close();
    if (!out) {
      std::cerr << "spam-eval: cannot write " << predictions_file << "\n";
      return kExitFailure;
    }
  }
  if (json) {
    std::cout << ToJson(report) << "\n";
  } else {
    if (!train.empty()) {
      std::cout << "train rows     " << train.size() << "\n";
    }
    std::cout << ToText(report);
  }
  return kExitOk;
}

}  // namespace
}  // namespace moderation::spam_eval

int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape)
  return moderation::spam_eval::Run(argc, argv);
}
