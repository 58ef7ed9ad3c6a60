#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "service/classifier/spam_classifier.h"
#include "tools/spam_eval/dataset.h"

// Options shared by spam-eval and spam-train.
namespace moderation::spam_eval {

// Exit codes of both tools.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // could not write an output file
inline constexpr int kExitUsage = 2;    // bad options, files or columns

struct DataFlags {
  std::vector<std::string> train_files;
  std::string format = "csv";
  bool no_header = false;
  std::string text_column;
  std::string label_column;
  std::string spam_label = "1";
  double split = 0;  // 0: no split
};

void AddDataFlags(CLI::App& app, DataFlags& flags);
void AddTrainingFlags(CLI::App& app, classifier::TrainingOptions& options);
[[nodiscard]] ColumnOptions ColumnOptionsOf(const DataFlags& flags);

// Text put at the end of --help: how columns and files are given.
[[nodiscard]] std::string DataHelpFooter();

// Parses the command line; on a usage error prints it and returns kExitUsage, on --help
// prints help and returns kExitOk; returns -1 when the program should go on.
[[nodiscard]] int ParseCommandLine(CLI::App& app, int argc, char** argv);

// Loads --train and cuts off the part after --split, which goes to `held_out` (if not null).
// Prints the error and returns false when the data is unusable.
[[nodiscard]] bool LoadTrainingData(const DataFlags& flags, std::vector<LabelledText>& train,
                                    std::vector<LabelledText>* held_out);

}  // namespace moderation::spam_eval
