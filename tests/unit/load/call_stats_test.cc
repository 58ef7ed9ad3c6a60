#include "tests/load/call_stats.h"

#include <gtest/gtest.h>

#include <chrono>

namespace moderation::loadgen {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

TEST(CallStatsTest, PercentilesAreNearestRankOverEveryCall) {
  CallStats stats;
  // 1..1000 ms, recorded out of order.
  for (int i = 1000; i >= 1; --i) {
    stats.Record("OK", true, milliseconds(i));
  }
  const LatencySummary summary = stats.SummarizeLatency();
  EXPECT_DOUBLE_EQ(summary.p50_ms, 500);
  EXPECT_DOUBLE_EQ(summary.p90_ms, 900);
  EXPECT_DOUBLE_EQ(summary.p99_ms, 990);
  EXPECT_DOUBLE_EQ(summary.p999_ms, 999);
  EXPECT_DOUBLE_EQ(summary.max_ms, 1000);
}

TEST(CallStatsTest, ASingleSlowCallShowsInTheTailNotTheMedian) {
  CallStats stats;
  for (int i = 0; i < 999; ++i) {
    stats.Record("OK", true, microseconds(800));
  }
  stats.Record("OK", true, milliseconds(250));
  const LatencySummary summary = stats.SummarizeLatency();
  EXPECT_DOUBLE_EQ(summary.p50_ms, 0.8);
  EXPECT_DOUBLE_EQ(summary.p99_ms, 0.8);
  EXPECT_DOUBLE_EQ(summary.max_ms, 250);
}

TEST(CallStatsTest, NothingRecordedSummarisesToZero) {
  CallStats stats;
  const LatencySummary summary = stats.SummarizeLatency();
  EXPECT_EQ(summary.p50_ms, 0);
  EXPECT_EQ(summary.max_ms, 0);
  EXPECT_EQ(stats.calls(), 0U);
}

TEST(CallStatsTest, NegativeAndHugeLatenciesAreClampedNotWrapped) {
  CallStats stats;
  stats.Record("OK", true, std::chrono::nanoseconds(-5000));
  stats.Record("OK", true, std::chrono::hours(24 * 365));
  const LatencySummary summary = stats.SummarizeLatency();
  EXPECT_EQ(summary.p50_ms, 0);
  // Four bytes of microseconds: a little over 71 minutes at most.
  EXPECT_NEAR(summary.max_ms, 4294967.295, 0.001);
}

TEST(CallStatsTest, CountsOutcomesExpectedAnswersLateAndDropped) {
  CallStats stats;
  stats.Record("OK PENDING_MODERATION", true, milliseconds(1));
  stats.Record("OK PENDING_MODERATION", true, milliseconds(1));
  stats.Record("UNAVAILABLE", false, milliseconds(1));
  stats.RecordLate(milliseconds(3));
  stats.RecordLate(microseconds(1500));
  stats.RecordDropped();
  EXPECT_EQ(stats.calls(), 3U);
  EXPECT_EQ(stats.expected(), 2U);
  EXPECT_EQ(stats.outcomes().at("OK PENDING_MODERATION"), 2U);
  EXPECT_EQ(stats.outcomes().at("UNAVAILABLE"), 1U);
  EXPECT_EQ(stats.late(), 2U);
  EXPECT_DOUBLE_EQ(stats.max_lateness_ms(), 3);
  EXPECT_EQ(stats.dropped(), 1U);
}

TEST(CallStatsTest, MergeAddsEverythingAndKeepsTheFirstExample) {
  CallStats first;
  first.Record("UNAVAILABLE", false, milliseconds(2));
  first.AddExample("UNAVAILABLE", "connection refused");
  first.RecordLate(milliseconds(2));
  CallStats second;
  second.Record("UNAVAILABLE", false, milliseconds(9));
  second.Record("OK", true, milliseconds(1));
  second.AddExample("UNAVAILABLE", "later example");
  second.RecordLate(milliseconds(7));
  second.RecordDropped();

  first.Merge(second);
  EXPECT_EQ(first.calls(), 3U);
  EXPECT_EQ(first.expected(), 1U);
  EXPECT_EQ(first.outcomes().at("UNAVAILABLE"), 2U);
  EXPECT_EQ(first.example_by_outcome().at("UNAVAILABLE"), "connection refused");
  EXPECT_EQ(first.late(), 2U);
  EXPECT_DOUBLE_EQ(first.max_lateness_ms(), 7);
  EXPECT_EQ(first.dropped(), 1U);
  EXPECT_DOUBLE_EQ(first.SummarizeLatency().max_ms, 9);
}

TEST(StatusCodeNameTest, NamesCodesAsTheSpecificationDoes) {
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::RESOURCE_EXHAUSTED), "RESOURCE_EXHAUSTED");
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::OK), "OK");
  EXPECT_EQ(StatusCodeName(static_cast<grpc::StatusCode>(42)), "CODE_42");
}

}  // namespace
}  // namespace moderation::loadgen
