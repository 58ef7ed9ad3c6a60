#include "tools/spam_eval/cli.h"

#include <cmath>
#include <iostream>

namespace moderation::spam_eval {

void AddDataFlags(CLI::App& app, DataFlags& flags) {
  app.add_option("--train", flags.train_files, "labelled training files, comma-separated")
      ->delimiter(',');
  app.add_option("--format", flags.format, "csv (RFC 4180) or tsv (no quoting)")
      ->check(CLI::IsMember({"csv", "tsv"}))
      ->capture_default_str();
  app.add_flag("--no-header", flags.no_header,
               "the first row is data, not column names (columns by number only)");
  app.add_option("--text-column", flags.text_column, "column of the text: a name or a number")
      ->required();
  app.add_option("--label-column", flags.label_column, "column of the label: a name or a number")
      ->required();
  app.add_option("--spam-label", flags.spam_label,
                 "label value meaning spam; any other value is ham")
      ->capture_default_str();
  app.add_option("--split", flags.split,
                 "train on this leading fraction of the --train rows; with spam-eval and no "
                 "--test, test on the rest")
      ->check(CLI::Range(0.0, 1.0));
}

void AddTrainingFlags(CLI::App& app, classifier::TrainingOptions& options) {
  app.add_option("--c", options.regularization,
                 "inverse L2 regularisation strength of the logistic regression")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--hash-bits", options.hash_bits, "log2 of the number of feature buckets")
      ->check(CLI::Range(16, 24))
      ->capture_default_str();
  app.add_option("--online-step", options.online_step,
                 "log-odds one online update moves its own example by, at most")
      ->check(CLI::Range(0.0, 100.0))
      ->capture_default_str();
  app.add_option("--max-passes", options.max_passes, "coordinate-descent passes at most")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--tolerance", options.tolerance, "stop when no dual gradient is larger than this")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--seed", options.seed, "order of the coordinate descent")->capture_default_str();
}

ColumnOptions ColumnOptionsOf(const DataFlags& flags) {
  ColumnOptions options;
  options.format = flags.format == "tsv" ? TableFormat::kTsv : TableFormat::kCsv;
  options.has_header = !flags.no_header;
  options.text_column = flags.text_column;
  options.label_column = flags.label_column;
  options.spam_label = flags.spam_label;
  return options;
}

std::string DataHelpFooter() {
  return "Columns are given by header name or by 1-based number. A row is spam when its label "
         "equals --spam-label.\n"
         "Examples:\n"
         "  --train a.csv,b.csv --test c.csv --text-column CONTENT --label-column CLASS\n"
         "  --train sms.tsv --format tsv --no-header --text-column 2 --label-column 1 "
         "--spam-label spam --split 0.8\n"
         "Exit codes: 0 done, 1 an output file could not be written, 2 bad options or data.";
}

int ParseCommandLine(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << app.get_name() << ": " << e.what() << "\n(see --help)\n";
    return kExitUsage;
  }
  return -1;
}

bool LoadTrainingData(const DataFlags& flags, std::vector<LabelledText>& train,
                      std::vector<LabelledText>* held_out) {
  if (flags.train_files.empty()) {
    std::cerr << "no --train files given\n";
    return false;
  }
  absl::StatusOr<std::vector<LabelledText>> rows =
      LoadAll(flags.train_files, ColumnOptionsOf(flags));
  if (!rows.ok()) {
    std::cerr << rows.status().message() << "\n";
    return false;
  }
  train = std::move(*rows);
  if (flags.split > 0) {
    const auto keep = static_cast<std::size_t>(std::floor(flags.split * train.size()));
    if (keep == 0 || keep >= train.size()) {
      std::cerr << "--split " << flags.split << " of " << train.size()
                << " rows leaves one side empty\n";
      return false;
    }
    if (held_out != nullptr) {
      held_out->assign(std::make_move_iterator(train.begin() + static_cast<long>(keep)),
                       std::make_move_iterator(train.end()));
    }
    train.resize(keep);
  }
  std::size_t spam = 0;
  for (const LabelledText& row : train) {
    spam += row.is_spam ? 1 : 0;
  }
  if (spam == 0 || spam == train.size()) {
    std::cerr << "the training rows are all " << (spam == 0 ? "ham" : "spam")
              << ": check --label-column and --spam-label \"" << flags.spam_label << "\"\n";
    return false;
  }
  return true;
}

}  // namespace moderation::spam_eval
