#include "service/metrics/registry.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>
#include <vector>

#include "service/metrics/service_metrics.h"

namespace moderation::metrics {
namespace {

TEST(MetricsRegistryTest, RendersTheTextFormatExactly) {
  MetricsRegistry registry;
  absl::StatusOr<CounterFamily*> requests =
      registry.AddCounter("rpc_requests_total", "Calls finished.", {"method", "code"});
  ASSERT_TRUE(requests.ok()) << requests.status();
  absl::StatusOr<GaugeFamily*> pending = registry.AddGauge("queue_pending", "Waiting comments.");
  ASSERT_TRUE(pending.ok()) << pending.status();
  absl::StatusOr<HistogramFamily*> latency =
      registry.AddHistogram("latency_seconds", "Time taken.", {0.005, 0.5, 1}, {"method"});
  ASSERT_TRUE(latency.ok()) << latency.status();

  (*requests)->WithLabels({"SubmitComment", "OK"}).Increment(3);
  (*requests)->WithLabels({"CreateCaptcha", "OK"}).Increment();
  (*pending)->WithLabels({}).Set(7);
  Histogram& submit = (*latency)->WithLabels({"SubmitComment"});
  submit.Observe(0.004);
  submit.Observe(0.25);
  submit.Observe(0.5);
  submit.Observe(3);

  EXPECT_EQ(registry.Render(),
            "# HELP rpc_requests_total Calls finished.\n"
            "# TYPE rpc_requests_total counter\n"
            "rpc_requests_total{method=\"CreateCaptcha\",code=\"OK\"} 1\n"
            "rpc_requests_total{method=\"SubmitComment\",code=\"OK\"} 3\n"
            "# HELP queue_pending Waiting comments.\n"
            "# TYPE queue_pending gauge\n"
            "queue_pending 7\n"
            "# HELP latency_seconds Time taken.\n"
            "# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{method=\"SubmitComment\",le=\"0.005\"} 1\n"
            "latency_seconds_bucket{method=\"SubmitComment\",le=\"0.5\"} 3\n"
            "latency_seconds_bucket{method=\"SubmitComment\",le=\"1\"} 3\n"
            "latency_seconds_bucket{method=\"SubmitComment\",le=\"+Inf\"} 4\n"
            "latency_seconds_sum{method=\"SubmitComment\"} 3.754\n"
            "latency_seconds_count{method=\"SubmitComment\"} 4\n");
}

TEST(MetricsRegistryTest, EscapesLabelValuesAndHelp) {
  EXPECT_EQ(EscapeLabelValue("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  EXPECT_EQ(EscapeLabelValue("Bình luận"), "Bình luận");
  EXPECT_EQ(EscapeHelp("line \"one\"\nback\\slash"), "line \"one\"\\nback\\\\slash");

  MetricsRegistry registry;
  absl::StatusOr<CounterFamily*> family = registry.AddCounter("x_total", "Two\nlines.", {"v"});
  ASSERT_TRUE(family.ok());
  (*family)->WithLabels({"say \"hi\"\\\n"}).Increment();
  EXPECT_EQ(registry.Render(),
            "# HELP x_total Two\\nlines.\n"
            "# TYPE x_total counter\n"
            "x_total{v=\"say \\\"hi\\\"\\\\\\n\"} 1\n");
}

TEST(MetricsRegistryTest, FormatsSpecialValues) {
  EXPECT_EQ(FormatValue(0), "0");
  EXPECT_EQ(FormatValue(0.0005), "0.0005");
  EXPECT_EQ(FormatValue(2.5), "2.5");
  EXPECT_EQ(FormatValue(-3.754), "-3.754");
  EXPECT_EQ(FormatValue(0.00001), "1e-05");
  EXPECT_EQ(FormatValue(1234567), "1234567");
  EXPECT_EQ(FormatValue(1e21), "1e+21");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatValue(std::nan("")), "NaN");
}

TEST(MetricsRegistryTest, HistogramBucketsAreCumulative) {
  Histogram histogram(LatencySecondsBuckets());
  for (double value : {0.0001, 0.0005, 0.003, 0.003, 0.2, 9.0, 11.0}) {
    histogram.Observe(value);
  }
  const Histogram::Snapshot snapshot = histogram.Collect();
  ASSERT_EQ(snapshot.cumulative_counts.size(), snapshot.bounds.size() + 1);
  for (std::size_t i = 1; i < snapshot.cumulative_counts.size(); ++i) {
    EXPECT_GE(snapshot.cumulative_counts[i], snapshot.cumulative_counts[i - 1]);
  }
  // Bounds are inclusive: 0.0005 lands in the 0.0005 bucket.
  EXPECT_EQ(snapshot.cumulative_counts[0], 2u);      // <= 0.0005
  EXPECT_EQ(snapshot.cumulative_counts[3], 4u);      // <= 0.005
  EXPECT_EQ(snapshot.cumulative_counts[8], 5u);      // <= 0.25
  EXPECT_EQ(snapshot.cumulative_counts[13], 6u);     // <= 10
  EXPECT_EQ(snapshot.cumulative_counts.back(), 7u);  // +Inf
  EXPECT_EQ(snapshot.count, 7u);
  EXPECT_NEAR(snapshot.sum, 20.2066, 1e-9);
}

TEST(MetricsRegistryTest, GaugeCallbackRunsAtScrapeTimeAndCanSkipTheSample) {
  MetricsRegistry registry;
  absl::StatusOr<GaugeFamily*> family = registry.AddGauge("age_seconds", "Age.");
  ASSERT_TRUE(family.ok());
  std::optional<double> next = 12.5;
  (*family)->WithLabels({}).SetCallback([&next] { return next; });
  EXPECT_EQ(registry.Render(),
            "# HELP age_seconds Age.\n# TYPE age_seconds gauge\nage_seconds 12.5\n");
  next = std::nullopt;
  EXPECT_EQ(registry.Render(), "# HELP age_seconds Age.\n# TYPE age_seconds gauge\n");
}

TEST(MetricsRegistryTest, RefusesBadNamesAndDuplicates) {
  MetricsRegistry registry;
  EXPECT_EQ(registry.AddCounter("9lives", "x").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.AddCounter("a-b", "x").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.AddCounter("ok_total", "x", {"__reserved"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.AddCounter("ok_total", "x", {"a", "a"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.AddHistogram("h", "x", {1}, {"le"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.AddHistogram("h", "x", {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.AddHistogram("h", "x", {1, 1}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      registry.AddHistogram("h", "x", {1, std::numeric_limits<double>::infinity()}).status().code(),
      absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(registry.AddCounter("ns:ok_total", "x").ok());
  EXPECT_EQ(registry.AddGauge("ns:ok_total", "x").status().code(),
            absl::StatusCode::kAlreadyExists);
}

TEST(MetricsRegistryTest, WrongNumberOfLabelValuesIsCountedNowhere) {
  MetricsRegistry registry;
  absl::StatusOr<CounterFamily*> family = registry.AddCounter("c_total", "C.", {"a", "b"});
  ASSERT_TRUE(family.ok());
  (*family)->WithLabels({"only-one"}).Increment();
  EXPECT_EQ(registry.Render(), "# HELP c_total C.\n# TYPE c_total counter\n");
}

TEST(MetricsRegistryTest, TheSameLabelValuesGiveTheSameMetric) {
  MetricsRegistry registry;
  absl::StatusOr<CounterFamily*> family = registry.AddCounter("c_total", "C.", {"a"});
  ASSERT_TRUE(family.ok());
  EXPECT_EQ(&(*family)->WithLabels({"x"}), &(*family)->WithLabels(std::vector<std::string>{"x"}));
  EXPECT_NE(&(*family)->WithLabels({"x"}), &(*family)->WithLabels({"y"}));
}

TEST(MetricsRegistryTest, ConcurrentUpdatesAreAllCounted) {
  MetricsRegistry registry;
  absl::StatusOr<CounterFamily*> counters = registry.AddCounter("c_total", "C.", {"thread"});
  absl::StatusOr<HistogramFamily*> histograms = registry.AddHistogram("h", "H.", {1, 2});
  absl::StatusOr<GaugeFamily*> gauges = registry.AddGauge("g", "G.");
  ASSERT_TRUE(counters.ok() && histograms.ok() && gauges.ok());
  constexpr int kThreads = 8;
  constexpr int kPerThread = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Every thread looks up the shared series itself, racing the others to
      // create it, plus one series of its own.
      Counter& shared = (*counters)->WithLabels({"shared"});
      Counter& own = (*counters)->WithLabels({std::to_string(t)});
      Histogram& histogram = (*histograms)->WithLabels({});
      Gauge& gauge = (*gauges)->WithLabels({});
      for (int i = 0; i < kPerThread; ++i) {
        shared.Increment();
        own.Increment();
        histogram.Observe(i % 2 == 0 ? 0.5 : 1.5);
        gauge.Add(1);
        if (i % 1000 == 0) {
          registry.Render();  // scrapes race with updates
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_EQ((*counters)->WithLabels({"shared"}).Value(), uint64_t{kThreads} * kPerThread);
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ((*counters)->WithLabels({std::to_string(t)}).Value(), uint64_t{kPerThread});
  }
  const Histogram::Snapshot snapshot = (*histograms)->WithLabels({}).Collect();
  EXPECT_EQ(snapshot.count, uint64_t{kThreads} * kPerThread);
  EXPECT_EQ(snapshot.cumulative_counts[0], uint64_t{kThreads * kPerThread / 2});
  const double half = kThreads * kPerThread / 2.0;  // observed 0.5 each, the rest 1.5
  EXPECT_DOUBLE_EQ(snapshot.sum, half * 0.5 + half * 1.5);
  EXPECT_EQ((*gauges)->WithLabels({}).Value(), double{kThreads * kPerThread});
}

TEST(ServiceMetricsTest, RegistersTheServiceMetricSet) {
  MetricsRegistry registry;
  absl::StatusOr<std::unique_ptr<ServiceMetrics>> metrics =
      ServiceMetrics::Create(registry, "1.2.3");
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  (*metrics)->rpc_requests.WithLabels({"SubmitComment", "OK"}).Increment();
  (*metrics)->rpc_duration_seconds.WithLabels({"SubmitComment"}).Observe(0.002);
  (*metrics)->submissions.WithLabels({"refused", "CAPTCHA_WRONG"}).Increment();
  (*metrics)->captcha_verifications.WithLabels({"correct"}).Increment();
  (*metrics)->rate_limit_refusals.WithLabels({"submit_ip"}).Increment();
  (*metrics)->queue_pending.Set(4);
  (*metrics)->queue_oldest_pending_age_seconds.Set(90);
  (*metrics)->redis_commands.WithLabels({"ok"}).Increment();
  (*metrics)->redis_command_duration_seconds.Observe(0.0003);
  const std::string text = registry.Render();
  for (const char* line : {
           "moderation_rpc_requests_total{method=\"SubmitComment\",code=\"OK\"} 1\n",
           "moderation_rpc_duration_seconds_count{method=\"SubmitComment\"} 1\n",
           "moderation_submissions_total{outcome=\"refused\",reason=\"CAPTCHA_WRONG\"} 1\n",
           "moderation_captcha_verifications_total{outcome=\"correct\"} 1\n",
           "moderation_rate_limit_refusals_total{limit=\"submit_ip\"} 1\n",
           "moderation_queue_pending 4\n",
           "moderation_queue_oldest_pending_age_seconds 90\n",
           "moderation_redis_commands_total{result=\"ok\"} 1\n",
           "moderation_redis_command_duration_seconds_bucket{le=\"0.0005\"} 1\n",
           "moderation_build_info{version=\"1.2.3\"} 1\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\nnot in:\n" << text;
  }
  // A second set in the same registry would clash.
  EXPECT_EQ(ServiceMetrics::Create(registry, "1.2.3").status().code(),
            absl::StatusCode::kAlreadyExists);
}

}  // namespace
}  // namespace moderation::metrics
