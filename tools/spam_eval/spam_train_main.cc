// spam-train: trains the spam classifier on labelled files and writes a model file that the
// service loads.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "service/classifier/spam_classifier.h"
#include "tools/spam_eval/cli.h"
#include "tools/spam_eval/dataset.h"
#include "tools/spam_eval/evaluation.h"

namespace moderation::spam_eval {
namespace {

int Run(int argc, char** argv) {
  CLI::App app{"spam-train: train the spam classifier on labelled files and write a model file"};
  app.name("spam-train");
  DataFlags data;
  AddDataFlags(app, data);
  std::string out_file;
  app.add_option("--out", out_file, "model file to write")->required();
  classifier::TrainingOptions training;
  AddTrainingFlags(app, training);
  app.footer(DataHelpFooter());
  if (const int code = ParseCommandLine(app, argc, argv); code >= 0) {
    return code;
  }

  std::vector<LabelledText> train;
  if (!LoadTrainingData(data, train, nullptr)) {
    return kExitUsage;
  }
  absl::StatusOr<classifier::SpamClassifier> classifier = TrainOn(train, training);
  if (!classifier.ok()) {
    std::cerr << "spam-train: " << classifier.status().message() << "\n";
    return kExitUsage;
  }
  const std::string bytes = classifier->Serialize();
  // Written beside the target and renamed, so a reader never sees half a model.
  const std::string temporary = out_file + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) {
      std::cerr << "spam-train: cannot write " << temporary << "\n";
      std::remove(temporary.c_str());
      return kExitFailure;
    }
  }
  if (std::rename(temporary.c_str(), out_file.c_str()) != 0) {
    std::cerr << "spam-train: cannot rename " << temporary << " to " << out_file << "\n";
    std::remove(temporary.c_str());
    return kExitFailure;
  }
  std::cout << "wrote " << out_file << " (" << bytes.size() << " bytes): trained on "
            << classifier->spam_examples() << " spam and " << classifier->ham_examples()
            << " ham rows\n";
  return kExitOk;
}

}  // namespace
}  // namespace moderation::spam_eval

int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape)
  return moderation::spam_eval::Run(argc, argv);
}
