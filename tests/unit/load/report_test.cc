#include "tests/load/report.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "tests/load/submission_data.h"

namespace moderation::loadgen {
namespace {

using std::chrono::milliseconds;

// A phase whose one row answered `expected` of `calls` as expected, in
// `seconds`.
PhaseResult PhaseWith(Phase phase, int calls, int expected, double seconds) {
  PhaseResult result;
  result.phase = phase;
  result.measured_seconds = seconds;
  ResultRow row;
  row.name = phase == Phase::kHealth ? "Health/Check" : "valid";
  row.expectation = phase == Phase::kHealth ? "OK SERVING" : "OK PENDING_MODERATION";
  for (int i = 0; i < calls; ++i) {
    const bool as_expected = i < expected;
    row.stats.Record(as_expected ? row.expectation : "UNAVAILABLE", as_expected,
                     milliseconds(1 + i % 10));
  }
  row.latency = row.stats.SummarizeLatency();
  result.rows.push_back(std::move(row));
  return result;
}

ProcessUsage ServerUsage(double us_per_call) {
  return {.name = "server",
          .cpu_seconds = 1,
          .cpu_us_per_call = us_per_call,
          .rss_bytes = 48U << 20,
          .peak_rss_bytes = 64U << 20};
}

TEST(ReportTest, TheRatioCountsOnlyAnswersAsExpectedPerSecond) {
  // 40,000 health checks/s; 4,000 submissions/s of which 3,000 as expected.
  const std::vector<PhaseResult> results = {PhaseWith(Phase::kHealth, 400, 400, 0.01),
                                            PhaseWith(Phase::kSubmit, 400, 300, 0.1)};
  const std::optional<double> ratio = SubmitToHealthRatio(results);
  ASSERT_TRUE(ratio.has_value());
  EXPECT_NEAR(*ratio, 3000.0 / 40000.0, 1e-9);
}

TEST(ReportTest, NoRatioFromAnOpenLoopOrAMissingPhase) {
  std::vector<PhaseResult> results = {PhaseWith(Phase::kHealth, 10, 10, 1),
                                      PhaseWith(Phase::kSubmit, 10, 10, 1)};
  results[1].open_loop = true;
  EXPECT_FALSE(SubmitToHealthRatio(results).has_value());
  EXPECT_FALSE(SubmitToHealthRatio({PhaseWith(Phase::kSubmit, 10, 10, 1)}).has_value());
  // A ceiling of nothing answered SERVING is no ceiling.
  EXPECT_FALSE(SubmitToHealthRatio(
                   {PhaseWith(Phase::kHealth, 10, 0, 1), PhaseWith(Phase::kSubmit, 10, 10, 1)})
                   .has_value());
}

TEST(ReportTest, TheCpuRatioComparesTheServersCpuPerCall) {
  std::vector<PhaseResult> results = {PhaseWith(Phase::kHealth, 10, 10, 1),
                                      PhaseWith(Phase::kSubmit, 10, 10, 1)};
  EXPECT_FALSE(SubmitToHealthCpuRatio(results).has_value());
  results[0].processes.push_back(ServerUsage(20));
  results[1].processes.push_back(ServerUsage(200));
  const std::optional<double> ratio = SubmitToHealthCpuRatio(results);
  ASSERT_TRUE(ratio.has_value());
  EXPECT_DOUBLE_EQ(*ratio, 0.1);
}

TEST(ReportTest, TheTableShowsRatesPercentilesMemoryAndTheRatio) {
  DriverOptions options;
  options.target = "127.0.0.1:1";
  std::vector<PhaseResult> results = {PhaseWith(Phase::kHealth, 1000, 1000, 1),
                                      PhaseWith(Phase::kSubmit, 100, 100, 1)};
  results[1].processes.push_back(ServerUsage(250));
  const std::string table = FormatTable(options, std::nullopt, results);
  EXPECT_NE(table.find("health  Health/Check"), std::string::npos) << table;
  EXPECT_NE(table.find("1000.0"), std::string::npos) << table;
  EXPECT_NE(table.find("server CPU in the submit phase: 1.0 s, 250.0 us per call; resident "
                       "memory at its end 48.0 MiB (peak so far 64.0 MiB)"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("SubmitComment / Health.Check = 10.0 %"), std::string::npos) << table;
  EXPECT_NE(table.find("expected OK PENDING_MODERATION; got OK PENDING_MODERATION: 100"),
            std::string::npos)
      << table;
}

TEST(ReportTest, TheJsonParsesAndHoldsTheFigures) {
  DriverOptions options;
  options.target = "host \"quoted\"\n";
  std::vector<PhaseResult> results = {PhaseWith(Phase::kHealth, 1000, 1000, 1),
                                      PhaseWith(Phase::kSubmit, 100, 90, 1)};
  results[1].rows[0].stats.AddExample("UNAVAILABLE", "tab\there, control \x01 char");
  results[1].processes.push_back(ServerUsage(250));
  Preparation preparation;
  preparation.captchas = 100;
  preparation.seconds = 0.5;
  const std::string json = FormatJson(options, preparation, results);

  google::protobuf::Struct document;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &document).ok()) << json;
  const auto& fields = document.fields();
  EXPECT_EQ(fields.at("target").string_value(), "host \"quoted\"\n");
  EXPECT_NEAR(fields.at("submit_to_health_percent").number_value(), 9.0, 1e-9);
  const auto& phases = fields.at("phases").list_value().values();
  ASSERT_EQ(phases.size(), 2);
  const auto& submit = phases[1].struct_value().fields();
  const auto& server = submit.at("processes").struct_value().fields().at("server").struct_value();
  EXPECT_DOUBLE_EQ(server.fields().at("cpu_us_per_call").number_value(), 250);
  EXPECT_DOUBLE_EQ(server.fields().at("rss_bytes").number_value(), 48 << 20);
  const auto& row = submit.at("calls").list_value().values(0).struct_value().fields();
  EXPECT_DOUBLE_EQ(row.at("as_expected").number_value(), 90);
  EXPECT_DOUBLE_EQ(row.at("answers").struct_value().fields().at("UNAVAILABLE").number_value(), 10);
  EXPECT_EQ(row.at("unexpected_examples").struct_value().fields().at("UNAVAILABLE").string_value(),
            "tab\there, control \x01 char");
}

TEST(MixTest, ParsesWeightsAndRefusesWhatIsNotAMix) {
  std::string error;
  const std::optional<Mix> mix = ParseMix("valid=90,spam=10", &error);
  ASSERT_TRUE(mix.has_value()) << error;
  EXPECT_EQ(mix->Total(), 100);
  EXPECT_EQ(mix->ToString(), "valid=90,spam=10");
  EXPECT_FALSE(ParseMix("valid=90,valid=10", &error).has_value());
  EXPECT_NE(error.find("twice"), std::string::npos);
  EXPECT_FALSE(ParseMix("vaild=90", &error).has_value());
  EXPECT_NE(error.find("unknown kind"), std::string::npos);
  EXPECT_FALSE(ParseMix("valid", &error).has_value());
  EXPECT_FALSE(ParseMix("valid=0", &error).has_value());
}

TEST(MixTest, KindsAreSpreadInProportionAndTheSameEveryRun) {
  std::string error;
  const std::optional<Mix> mix = ParseMix("valid=90,wrong_captcha=10", &error);
  ASSERT_TRUE(mix.has_value()) << error;
  int wrong = 0;
  int wrong_in_first_thousand = 0;
  for (uint64_t i = 0; i < 100000; ++i) {
    if (mix->KindFor(i) == CallKind::kWrongCaptcha) {
      ++wrong;
      wrong_in_first_thousand += i < 1000 ? 1 : 0;
    }
    EXPECT_EQ(mix->KindFor(i), mix->KindFor(i));
  }
  EXPECT_NEAR(wrong, 10000, 500);
  EXPECT_NEAR(wrong_in_first_thousand, 100, 35);
}

}  // namespace
}  // namespace moderation::loadgen
