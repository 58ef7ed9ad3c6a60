#include "service/metrics/registry.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>
#include <type_traits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace moderation::metrics {
namespace {

bool IsNameStart(char c, bool allow_colon) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (allow_colon && c == ':');
}

bool IsValidName(std::string_view name, bool allow_colon) {
  if (name.empty() || !IsNameStart(name[0], allow_colon)) {
    return false;
  }
  return std::all_of(name.begin() + 1, name.end(), [allow_colon](char c) {
    return IsNameStart(c, allow_colon) || (c >= '0' && c <= '9');
  });
}

absl::Status CheckBounds(const std::vector<double>& bounds) {
  if (bounds.empty()) {
    return absl::InvalidArgumentError("a histogram needs at least one bucket bound");
  }
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i])) {
      return absl::InvalidArgumentError("histogram bucket bounds must be finite");
    }
    if (i > 0 && bounds[i] <= bounds[i - 1]) {
      return absl::InvalidArgumentError("histogram bucket bounds must be strictly increasing");
    }
  }
  return absl::OkStatus();
}

// `{a="x",b="y"}`, with `extra` (already escaped) appended as the last label;
// empty when there are no labels at all.
std::string LabelSet(const std::vector<std::string>& names, const std::vector<std::string>& values,
                     absl::string_view extra_name = {}, absl::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) {
    return "";
  }
  std::string out = "{";
  for (std::size_t i = 0; i < names.size(); ++i) {
    absl::StrAppend(&out, i == 0 ? "" : ",", names[i], "=\"", EscapeLabelValue(values[i]), "\"");
  }
  if (!extra_name.empty()) {
    absl::StrAppend(&out, names.empty() ? "" : ",", extra_name, "=\"", extra_value, "\"");
  }
  out += "}";
  return out;
}

void AppendHeader(std::string& out, const std::string& name, const std::string& help,
                  absl::string_view type) {
  absl::StrAppend(&out, "# HELP ", name, " ", EscapeHelp(help), "\n");
  absl::StrAppend(&out, "# TYPE ", name, " ", type, "\n");
}

void RenderFamily(std::string& out, const CounterFamily& family) {
  AppendHeader(out, family.name(), family.help(), "counter");
  family.ForEach([&](const std::vector<std::string>& values, const Counter& counter) {
    absl::StrAppend(&out, family.name(), LabelSet(family.label_names(), values), " ",
                    counter.Value(), "\n");
  });
}

void RenderFamily(std::string& out, const GaugeFamily& family) {
  AppendHeader(out, family.name(), family.help(), "gauge");
  family.ForEach([&](const std::vector<std::string>& values, const Gauge& gauge) {
    const std::optional<double> value = gauge.Value();
    if (value.has_value()) {
      absl::StrAppend(&out, family.name(), LabelSet(family.label_names(), values), " ",
                      FormatValue(*value), "\n");
    }
  });
}

void RenderFamily(std::string& out, const HistogramFamily& family) {
  AppendHeader(out, family.name(), family.help(), "histogram");
  family.ForEach([&](const std::vector<std::string>& values, const Histogram& histogram) {
    const Histogram::Snapshot snapshot = histogram.Collect();
    const std::vector<std::string>& names = family.label_names();
    for (std::size_t i = 0; i <= snapshot.bounds.size(); ++i) {
      const std::string le = i < snapshot.bounds.size() ? FormatValue(snapshot.bounds[i]) : "+Inf";
      absl::StrAppend(&out, family.name(), "_bucket", LabelSet(names, values, "le", le), " ",
                      snapshot.cumulative_counts[i], "\n");
    }
    const std::string labels = LabelSet(names, values);
    absl::StrAppend(&out, family.name(), "_sum", labels, " ", FormatValue(snapshot.sum), "\n");
    absl::StrAppend(&out, family.name(), "_count", labels, " ", snapshot.count, "\n");
  });
}

}  // namespace

void Gauge::SetCallback(Callback callback) {
  absl::MutexLock lock(&mu_);
  callback_ = std::move(callback);
}

std::optional<double> Gauge::Value() const {
  {
    absl::MutexLock lock(&mu_);
    if (callback_) {
      return callback_();
    }
  }
  return value_.load(std::memory_order_relaxed);
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {}

void Histogram::Observe(double value) {
  // Buckets are "less than or equal": the first bound not below the value.
  const std::size_t index = static_cast<std::size_t>(
      std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
  buckets_[index].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::Collect() const {
  Snapshot snapshot;
  snapshot.bounds = bounds_;
  snapshot.cumulative_counts.reserve(bounds_.size() + 1);
  uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    snapshot.cumulative_counts.push_back(running);
  }
  // The count is the +Inf bucket, so the two always agree in a scrape even
  // while observations race with it.
  snapshot.count = running;
  snapshot.sum = sum_.load(std::memory_order_relaxed);
  return snapshot;
}

std::vector<double> LatencySecondsBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

template <typename Metric>
Family<Metric>::Family(std::string name, std::string help, std::vector<std::string> label_names,
                       std::function<std::unique_ptr<Metric>()> make)
    : name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)),
      make_(std::move(make)),
      detached_(make_()) {}

template <typename Metric>
Metric& Family<Metric>::WithLabels(std::initializer_list<std::string_view> values) {
  std::vector<std::string> copies;
  copies.reserve(values.size());
  for (std::string_view value : values) {
    copies.emplace_back(value);
  }
  return WithLabels(copies);
}

template <typename Metric>
Metric& Family<Metric>::WithLabels(const std::vector<std::string>& values) {
  if (values.size() != label_names_.size()) {
    return *detached_;
  }
  absl::MutexLock lock(&mu_);
  std::unique_ptr<Metric>& child = children_[values];
  if (child == nullptr) {
    child = make_();
  }
  return *child;
}

template <typename Metric>
void Family<Metric>::ForEach(
    const std::function<void(const std::vector<std::string>&, const Metric&)>& visit) const {
  absl::MutexLock lock(&mu_);
  for (const auto& [values, metric] : children_) {
    visit(values, *metric);
  }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

absl::Status MetricsRegistry::CheckNewFamily(const std::string& name,
                                             const std::vector<std::string>& label_names,
                                             bool histogram) const {
  if (!IsValidName(name, /*allow_colon=*/true)) {
    return absl::InvalidArgumentError(absl::StrCat("invalid metric name \"", name, "\""));
  }
  std::set<std::string_view> seen;
  for (const std::string& label : label_names) {
    // Names starting with "__" are reserved for Prometheus itself.
    if (!IsValidName(label, /*allow_colon=*/false) || label.starts_with("__")) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": invalid label name \"", label, "\""));
    }
    if (histogram && label == "le") {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": \"le\" is reserved for histogram buckets"));
    }
    if (!seen.insert(label).second) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": label \"", label, "\" twice"));
    }
  }
  for (const AnyFamily& family : families_) {
    const bool taken =
        std::visit([&name](const auto& existing) { return existing->name() == name; }, family);
    if (taken) {
      return absl::AlreadyExistsError(absl::StrCat("metric \"", name, "\" already registered"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<CounterFamily*> MetricsRegistry::AddCounter(std::string name, std::string help,
                                                           std::vector<std::string> label_names) {
  absl::MutexLock lock(&mu_);
  if (absl::Status status = CheckNewFamily(name, label_names, false); !status.ok()) {
    return status;
  }
  auto family =
      std::make_unique<CounterFamily>(std::move(name), std::move(help), std::move(label_names),
                                      [] { return std::make_unique<Counter>(); });
  CounterFamily* result = family.get();
  families_.emplace_back(std::move(family));
  return result;
}

absl::StatusOr<GaugeFamily*> MetricsRegistry::AddGauge(std::string name, std::string help,
                                                       std::vector<std::string> label_names) {
  absl::MutexLock lock(&mu_);
  if (absl::Status status = CheckNewFamily(name, label_names, false); !status.ok()) {
    return status;
  }
  auto family =
      std::make_unique<GaugeFamily>(std::move(name), std::move(help), std::move(label_names),
                                    [] { return std::make_unique<Gauge>(); });
  GaugeFamily* result = family.get();
  families_.emplace_back(std::move(family));
  return result;
}

absl::StatusOr<HistogramFamily*> MetricsRegistry::AddHistogram(
    std::string name, std::string help, std::vector<double> bounds,
    std::vector<std::string> label_names) {
  absl::MutexLock lock(&mu_);
  if (absl::Status status = CheckNewFamily(name, label_names, true); !status.ok()) {
    return status;
  }
  if (absl::Status status = CheckBounds(bounds); !status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": ", status.message()));
  }
  auto family = std::make_unique<HistogramFamily>(
      std::move(name), std::move(help), std::move(label_names),
      [bounds = std::move(bounds)] { return std::make_unique<Histogram>(bounds); });
  HistogramFamily* result = family.get();
  families_.emplace_back(std::move(family));
  return result;
}

std::string MetricsRegistry::Render() const {
  std::string out;
  absl::MutexLock lock(&mu_);
  for (const AnyFamily& family : families_) {
    std::visit([&out](const auto& f) { RenderFamily(out, *f); }, family);
  }
  return out;
}

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string EscapeHelp(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string FormatValue(double value) {
  if (std::isnan(value)) {
    return "NaN";
  }
  if (std::isinf(value)) {
    return value > 0 ? "+Inf" : "-Inf";
  }
  // Plain decimals where they stay short ("0.0005", not the shorter "5e-04"),
  // as Prometheus's own clients write them; both forms round-trip.
  const double magnitude = std::fabs(value);
  const std::chars_format format = magnitude != 0 && (magnitude < 1e-4 || magnitude >= 1e21)
                                       ? std::chars_format::scientific
                                       : std::chars_format::fixed;
  char buffer[64];
  const std::to_chars_result result = std::to_chars(buffer, buffer + sizeof(buffer), value, format);
  return std::string(buffer, result.ptr);
}

}  // namespace moderation::metrics
