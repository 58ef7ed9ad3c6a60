// Throughput of the learned spam classifier on one thread: Extract, SpamProbability and both
// together, per comment, on comments of the median length of each evaluation set (read from
// ../shared/data when it is there, else a built-in Vietnamese and English sample).
//
//   build-release/tests/bench/classifier/classifier_bench
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "service/classifier/spam_classifier.h"
#include "tools/spam_eval/dataset.h"
#include "tools/spam_eval/evaluation.h"

namespace moderation::classifier {
namespace {

struct Workload {
  std::string name;
  std::vector<std::string> comments;  // all of about the median length
  std::size_t median_bytes = 0;
  std::unique_ptr<SpamClassifier> classifier;
};

// The `count` texts whose length is closest to the median.
std::vector<std::string> MedianLength(std::vector<spam_eval::LabelledText> rows, std::size_t count,
                                      std::size_t& median) {
  std::vector<std::size_t> lengths;
  for (const auto& row : rows) {
    lengths.push_back(row.text.size());
  }
  std::nth_element(lengths.begin(), lengths.begin() + lengths.size() / 2, lengths.end());
  median = lengths[lengths.size() / 2];
  const auto distance = [median](const spam_eval::LabelledText& row) {
    return row.text.size() > median ? row.text.size() - median : median - row.text.size();
  };
  std::stable_sort(rows.begin(), rows.end(),
                   [&](const auto& a, const auto& b) { return distance(a) < distance(b); });
  std::vector<std::string> out;
  for (std::size_t i = 0; i < std::min(count, rows.size()); ++i) {
    out.push_back(rows[i].text);
  }
  return out;
}

std::vector<Workload> LoadWorkloads() {
  std::string dir = "../shared/data";
  if (const char* env = std::getenv("MODERATION_SHARED_DATA")) {
    dir = env;
  }
  struct Source {
    std::string name;
    std::string file;
    spam_eval::ColumnOptions columns;
  };
  const std::vector<Source> sources = {
      {"youtube",
       dir + "/youtube-spam/Youtube03-LMFAO.csv",
       {spam_eval::TableFormat::kCsv, true, "CONTENT", "CLASS", "1"}},
      {"vispamreviews",
       dir + "/vispamreviews/dev.csv",
       {spam_eval::TableFormat::kCsv, true, "Comment", "Label", "1"}},
      {"sms",
       dir + "/sms-spam/sms_shared.tsv",
       {spam_eval::TableFormat::kTsv, false, "2", "1", "spam"}},
  };
  std::vector<Workload> workloads;
  for (const Source& source : sources) {
    absl::StatusOr<std::vector<spam_eval::LabelledText>> rows =
        spam_eval::LoadLabelledTexts(source.file, source.columns);
    if (!rows.ok()) {
      continue;
    }
    Workload workload;
    workload.name = source.name;
    absl::StatusOr<SpamClassifier> trained = spam_eval::TrainOn(*rows, TrainingOptions{});
    workload.classifier = std::make_unique<SpamClassifier>(
        trained.ok() ? std::move(trained).value() : SpamClassifier::Untrained());
    workload.comments = MedianLength(std::move(*rows), 256, workload.median_bytes);
    workloads.push_back(std::move(workload));
  }
  if (workloads.empty()) {
    std::cerr << "no evaluation data under " << dir << "; using a built-in sample\n";
    Workload workload;
    workload.name = "builtin";
    workload.comments = {
        "Bài viết rất hay, cảm ơn tác giả đã chia sẻ thông tin bổ ích này.",
        "Giảm giá 50% hôm nay, inbox shop ngay để nhận quà tặng miễn phí!!!",
        "Check out my new channel and subscribe, I post every day :)",
        "Trận bóng đá tối qua thật hấp dẫn, đội nhà chơi quá xuất sắc.",
    };
    workload.median_bytes = workload.comments[0].size();
    workload.classifier = std::make_unique<SpamClassifier>(SpamClassifier::Untrained());
    workloads.push_back(std::move(workload));
  }
  return workloads;
}

void ExtractAndScore(benchmark::State& state, const Workload* w) {
  std::size_t i = 0;
  for (auto _ : state) {
    const FeatureVector features = w->classifier->Extract(w->comments[i++ % w->comments.size()]);
    benchmark::DoNotOptimize(w->classifier->SpamProbability(features));
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["median_bytes"] = static_cast<double>(w->median_bytes);
}

void ExtractOnly(benchmark::State& state, const Workload* w) {
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(w->classifier->Extract(w->comments[i++ % w->comments.size()]));
  }
  state.SetItemsProcessed(state.iterations());
}

void ScoreOnly(benchmark::State& state, const Workload* w) {
  std::vector<FeatureVector> features;
  for (const std::string& comment : w->comments) {
    features.push_back(w->classifier->Extract(comment));
  }
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(w->classifier->SpamProbability(features[i++ % features.size()]));
  }
  state.SetItemsProcessed(state.iterations());
}

void LearnOne(benchmark::State& state, const Workload* w) {
  std::vector<FeatureVector> features;
  for (const std::string& comment : w->comments) {
    features.push_back(w->classifier->Extract(comment));
  }
  std::size_t i = 0;
  for (auto _ : state) {
    w->classifier->Learn(features[i % features.size()], i % 2 == 0);
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}

}  // namespace
}  // namespace moderation::classifier

int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape)
  using moderation::classifier::ExtractAndScore;
  using moderation::classifier::ExtractOnly;
  using moderation::classifier::LearnOne;
  using moderation::classifier::LoadWorkloads;
  using moderation::classifier::ScoreOnly;
  using moderation::classifier::Workload;
  static const std::vector<Workload> workloads = LoadWorkloads();
  for (const Workload& w : workloads) {
    benchmark::RegisterBenchmark(("ExtractAndScore/" + w.name).c_str(), ExtractAndScore, &w);
    benchmark::RegisterBenchmark(("Extract/" + w.name).c_str(), ExtractOnly, &w);
    benchmark::RegisterBenchmark(("SpamProbability/" + w.name).c_str(), ScoreOnly, &w);
  }
  // Last, since it changes the model.
  for (const Workload& w : workloads) {
    benchmark::RegisterBenchmark(("Learn/" + w.name).c_str(), LearnOne, &w);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
