// How many comments per second one core scores: text analysis, the rules, the
// learned filter, and all of it together as the submission path runs it
// (Examine then Decide), on the comments of the evaluation data sets.
// Run by hand from the repository root (it reads ../shared/data):
//   build-release/tests/bench/spam_scoring_bench [--rounds=N] [FILTER]
// FILTER keeps the measurements whose name contains it ("rules", "classifier").
// Each measurement runs N rounds (20 by default) of about a quarter second of
// CPU time and reports the best one: the machine's other work can only slow a
// round down, so the fastest is the closest to what one free core does. (On a
// shared virtual machine the time stolen by its neighbours counts as this
// thread's CPU time; short rounds are likelier to find a quiet moment.)
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "service/classifier/spam_classifier.h"
#include "service/spam/spam_rules.h"
#include "service/spam/spam_scorer.h"
#include "service/spam/text_analysis.h"
#include "tools/spam_eval/dataset.h"

namespace {

using moderation::classifier::SpamClassifier;

// The learned filter as the server uses it.
class ClassifierModel final : public moderation::spam::SpamModel {
 public:
  explicit ClassifierModel(const SpamClassifier& classifier) : classifier_(classifier) {}
  double SpamProbability(absl::string_view text) const override {
    return classifier_.SpamProbability(
        classifier_.Extract(std::string_view(text.data(), text.size())));
  }

 private:
  const SpamClassifier& classifier_;
};

// CPU time of this thread: the figure for one core, whatever else the
// machine is doing.
double ThreadSeconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

// Measurements whose name contains this; all when empty.
std::string only;
int rounds = 20;
constexpr double kRoundSeconds = 0.25;

template <typename Work>
void Measure(const char* name, const std::vector<std::string>& texts, Work work) {
  if (!only.empty() && std::string(name).find(only) == std::string::npos) {
    return;
  }
  // Warm-up, then rounds of about kRoundSeconds of CPU each.
  for (const std::string& text : texts) {
    work(text);
  }
  double best = 0;
  for (int round = 0; round < rounds; ++round) {
    std::size_t scored = 0;
    const double start = ThreadSeconds();
    double elapsed = 0;
    while (elapsed < kRoundSeconds) {
      for (const std::string& text : texts) {
        work(text);
      }
      scored += texts.size();
      elapsed = ThreadSeconds() - start;
    }
    best = std::max(best, static_cast<double>(scored) / elapsed);
  }
  std::printf("%-34s %9.0f comments/s  %6.2f us/comment\n", name, best, 1e6 / best);
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::printf(
          "usage: %s [--rounds=N] [FILTER]\n"
          "Comments scored per second of one core's CPU time (best of N rounds of a quarter\n"
          "second, default 20),\n"
          "for the measurements whose name contains FILTER (all by default). Run from the\n"
          "repository root: reads ../shared/data and deploy/spam-rules.toml.\n",
          argv[0]);
      return 0;
    }
    if (arg.starts_with("--rounds=")) {
      rounds = std::max(1, std::atoi(arg.c_str() + 9));
    } else {
      only = arg;
    }
  }
  namespace spam_eval = moderation::spam_eval;
  spam_eval::ColumnOptions youtube;
  youtube.text_column = "CONTENT";
  youtube.label_column = "CLASS";
  spam_eval::ColumnOptions reviews;
  reviews.text_column = "Comment";
  reviews.label_column = "Label";
  auto train = spam_eval::LoadAll({"../shared/data/youtube-spam/Youtube01-Psy.csv",
                                   "../shared/data/youtube-spam/Youtube02-KatyPerry.csv"},
                                  youtube);
  auto comments = spam_eval::LoadAll({"../shared/data/vispamreviews/dev.csv"}, reviews);
  auto english = spam_eval::LoadAll({"../shared/data/youtube-spam/Youtube03-LMFAO.csv"}, youtube);
  if (!train.ok() || !comments.ok() || !english.ok()) {
    std::fprintf(stderr, "cannot read ../shared/data (run from the repository root): %s\n",
                 std::string((!train.ok()      ? train.status()
                              : !comments.ok() ? comments.status()
                                               : english.status())
                                 .message())
                     .c_str());
    return 2;
  }
  std::vector<std::string> texts;
  for (const auto* set : {&*comments, &*english}) {
    for (const spam_eval::LabelledText& row : *set) {
      texts.push_back(row.text);
    }
  }
  std::vector<std::size_t> lengths;
  std::vector<std::size_t> characters;
  for (const std::string& text : texts) {
    lengths.push_back(text.size());
    characters.push_back(
        static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
          return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
        })));
  }
  const auto median = [](std::vector<std::size_t> values) {
    std::nth_element(values.begin(), values.begin() + values.size() / 2, values.end());
    return values[values.size() / 2];
  };
  std::printf(
      "%zu comments (ViSpamReviews dev + YouTube LMFAO), median length %zu bytes (%zu characters)\n"
      "one thread, CPU time, best of %d rounds of about a quarter second\n",
      texts.size(), median(lengths), median(characters), rounds);

  SpamClassifier untrained = SpamClassifier::Untrained();
  std::vector<moderation::classifier::LabelledFeatures> examples;
  for (const spam_eval::LabelledText& row : *train) {
    examples.push_back({untrained.Extract(row.text), row.is_spam});
  }
  absl::StatusOr<SpamClassifier> classifier = SpamClassifier::Train(examples);
  absl::StatusOr<moderation::spam::SpamRules> rules =
      moderation::spam::LoadSpamRules("deploy/spam-rules.toml");
  if (!classifier.ok() || !rules.ok()) {
    std::fprintf(stderr, "setup failed\n");
    return 2;
  }
  const ClassifierModel model(*classifier);
  const moderation::spam::SpamScorer rules_only(*rules, nullptr);
  const moderation::spam::SpamScorer full(*rules, &model);

  volatile double sink = 0;
  Measure("text analysis (part of the rules)", texts, [&](const std::string& text) {
    sink = sink + static_cast<double>(moderation::spam::AnalyzeText(text).words.size());
  });
  moderation::spam::SpamInput input;
  input.name = "Nguyễn Văn An";
  input.title = "Góp ý";
  Measure("rules alone", texts, [&](const std::string& text) {
    input.body = text;
    sink = sink + rules_only.Decide(rules_only.Examine(input), {}).score;
  });
  Measure("classifier alone (extract+score)", texts, [&](const std::string& text) {
    sink = sink + classifier->SpamProbability(classifier->Extract(text));
  });
  // What the service does per submission: Examine (every local rule and the
  // learned filter) then Decide.
  Measure("rules + classifier (per comment)", texts, [&](const std::string& text) {
    input.body = text;
    sink = sink + full.Decide(full.Examine(input), {}).score;
  });
  return 0;
}
