// spam-eval: trains the spam classifier (or loads a model) and measures it on labelled data.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "service/classifier/spam_classifier.h"
#include "tools/spam_eval/cli.h"
#include "tools/spam_eval/dataset.h"
#include "tools/spam_eval/delimited.h"
#include "tools/spam_eval/evaluation.h"

namespace moderation::spam_eval {
namespace {

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
  classifier::TrainingOptions training;
  AddTrainingFlags(app, training);
  app.footer(DataHelpFooter());
  if (const int code = ParseCommandLine(app, argc, argv); code >= 0) {
    return code;
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
  const Report report = Summarize(Tally(test, predictions), evaluation.threshold);
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
