// How many comments per second one core scores: text analysis, the rules, the
// learned filter, and all of it together as the submission path runs it
// (Examine then Decide), on the comments of the evaluation data sets.
// Run by hand from the repository root (it reads ../shared/data):
//   build-release/tests/bench/spam_scoring_bench
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
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

// Measurements whose name contains this (argv[1]); all when empty.
std::string only;

template <typename Work>
void Measure(const char* name, const std::vector<std::string>& texts, Work work) {
  if (!only.empty() && std::string(name).find(only) == std::string::npos) {
    return;
  }
  // Warm-up, then enough rounds for about a second of CPU.
  for (const std::string& text : texts) {
    work(text);
  }
  std::size_t scored = 0;
  const double start = ThreadSeconds();
  double elapsed = 0;
  while (elapsed < 1.0) {
    for (const std::string& text : texts) {
      work(text);
    }
    scored += texts.size();
    elapsed = ThreadSeconds() - start;
  }
  std::printf("%-28s %10.0f comments/s  %7.2f us/comment (CPU time)\n", name,
              static_cast<double>(scored) / elapsed, 1e6 * elapsed / static_cast<double>(scored));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1) {
    only = argv[1];
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
  for (const std::string& text : texts) {
    lengths.push_back(text.size());
  }
  std::nth_element(lengths.begin(), lengths.begin() + lengths.size() / 2, lengths.end());
  std::printf("%zu comments (ViSpamReviews dev + YouTube LMFAO), median %zu bytes, one thread\n",
              texts.size(), lengths[lengths.size() / 2]);

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
  Measure("text analysis", texts, [&](const std::string& text) {
    sink = sink + static_cast<double>(moderation::spam::AnalyzeText(text).words.size());
  });
  Measure("classifier (extract+score)", texts, [&](const std::string& text) {
    sink = sink + classifier->SpamProbability(classifier->Extract(text));
  });
  moderation::spam::SpamInput input;
  input.name = "Nguyễn Văn An";
  input.title = "Góp ý";
  Measure("rules only", texts, [&](const std::string& text) {
    input.body = text;
    sink = sink + rules_only.Decide(rules_only.Examine(input), {}).score;
  });
  Measure("rules + classifier", texts, [&](const std::string& text) {
    input.body = text;
    sink = sink + full.Decide(full.Examine(input), {}).score;
  });
  return 0;
}
