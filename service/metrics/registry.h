#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

// A small Prometheus registry. Updating a metric is one or two relaxed atomic
// operations and takes no lock; finding the metric for a set of label values
// takes a lock, so callers look it up once and keep the reference:
//
//   Counter& ok = requests.WithLabels({"SubmitComment", "OK"});  // once
//   ok.Increment();                                              // per call
//
// References returned by WithLabels stay valid as long as the registry.
namespace moderation::metrics {

class Counter {
 public:
  void Increment(uint64_t amount = 1) { value_.fetch_add(amount, std::memory_order_relaxed); }
  uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  // Computes the value at scrape time; nullopt leaves the sample out of that
  // scrape (for a value that cannot be had right now, reporting 0 would be a
  // lie, e.g. "the queue is empty" while Redis is down). Replaces any value set.
  // The callback runs on the scraping thread and must not touch the registry.
  using Callback = std::function<std::optional<double>()>;

  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double amount) { value_.fetch_add(amount, std::memory_order_relaxed); }
  void SetCallback(Callback callback);

  // The callback's value if there is one, else the last value set.
  std::optional<double> Value() const;

 private:
  std::atomic<double> value_{0};
  mutable absl::Mutex mu_;
  Callback callback_ ABSL_GUARDED_BY(mu_);
};

class Histogram {
 public:
  // `bounds` are the buckets' upper bounds, finite and strictly increasing
  // (checked by the registry); +Inf is implicit.
  explicit Histogram(std::vector<double> bounds);

  void Observe(double value);
  void ObserveDuration(absl::Duration duration) { Observe(absl::ToDoubleSeconds(duration)); }

  struct Snapshot {
    std::vector<double> bounds;
    // Cumulative: cumulative_counts[i] observations were <= bounds[i]; the
    // last entry, one past the bounds, is the +Inf bucket and equals `count`.
    std::vector<uint64_t> cumulative_counts;
    uint64_t count = 0;
    double sum = 0;
  };
  Snapshot Collect() const;

 private:
  const std::vector<double> bounds_;
  // Not cumulative, so that an observation touches a single bucket; the last
  // one counts values above every bound.
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<double> sum_{0};
};

// Latency buckets in seconds, 0.5 ms to 10 s.
std::vector<double> LatencySecondsBuckets();

// All the metrics of one name, one per combination of label values.
template <typename Metric>
class Family {
 public:
  Family(std::string name, std::string help, std::vector<std::string> label_names,
         std::function<std::unique_ptr<Metric>()> make);
  Family(const Family&) = delete;
  Family& operator=(const Family&) = delete;

  // The metric for these label values (in the order of the label names),
  // created on first use. Giving the wrong number of values is a programming
  // error: the result is then a metric that is counted nowhere.
  Metric& WithLabels(std::initializer_list<std::string_view> values);
  Metric& WithLabels(const std::vector<std::string>& values);

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

  // Calls `visit` for every metric, in the order of their label values.
  void ForEach(
      const std::function<void(const std::vector<std::string>&, const Metric&)>& visit) const;

 private:
  const std::string name_;
  const std::string help_;
  const std::vector<std::string> label_names_;
  const std::function<std::unique_ptr<Metric>()> make_;
  mutable absl::Mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<Metric>> children_ ABSL_GUARDED_BY(mu_);
  const std::unique_ptr<Metric> detached_;
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

class MetricsRegistry {
 public:
  MetricsRegistry() = default;
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // INVALID_ARGUMENT for a name or label name Prometheus would refuse, a label
  // name given twice, or (histograms) bounds that are not finite and strictly
  // increasing or a label named "le"; ALREADY_EXISTS for a name taken.
  absl::StatusOr<CounterFamily*> AddCounter(std::string name, std::string help,
                                            std::vector<std::string> label_names = {});
  absl::StatusOr<GaugeFamily*> AddGauge(std::string name, std::string help,
                                        std::vector<std::string> label_names = {});
  absl::StatusOr<HistogramFamily*> AddHistogram(std::string name, std::string help,
                                                std::vector<double> bounds,
                                                std::vector<std::string> label_names = {});

  // The Prometheus text exposition format (version 0.0.4), families in the
  // order they were added. Runs gauge callbacks.
  std::string Render() const;

 private:
  using AnyFamily = std::variant<std::unique_ptr<CounterFamily>, std::unique_ptr<GaugeFamily>,
                                 std::unique_ptr<HistogramFamily>>;

  absl::Status CheckNewFamily(const std::string& name, const std::vector<std::string>& label_names,
                              bool histogram) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::vector<AnyFamily> families_ ABSL_GUARDED_BY(mu_);
};

// The content type of Render()'s output.
inline constexpr std::string_view kExpositionContentType =
    "text/plain; version=0.0.4; charset=utf-8";

// Exposed for tests: the text format's escaping of label values (backslash,
// double quote, newline) and of HELP text (backslash, newline).
std::string EscapeLabelValue(std::string_view value);
std::string EscapeHelp(std::string_view help);
// A sample value as Prometheus writes it: shortest round-trip form, "+Inf",
// "-Inf", "NaN".
std::string FormatValue(double value);

}  // namespace moderation::metrics
