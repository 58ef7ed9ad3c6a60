#include "tests/load/report.h"

#include <cstdarg>
#include <cstdio>

namespace moderation::loadgen {
namespace {

std::string Format(const char* format, ...) __attribute__((format(printf, 1, 2)));

std::string Format(const char* format, ...) {
  va_list arguments;
  va_start(arguments, format);
  va_list measuring;
  va_copy(measuring, arguments);
  const int length = std::vsnprintf(nullptr, 0, format, measuring);
  va_end(measuring);
  std::string text(length > 0 ? static_cast<size_t>(length) : 0, '\0');
  std::vsnprintf(text.data(), text.size() + 1, format, arguments);
  va_end(arguments);
  return text;
}

double PerSecond(uint64_t count, double seconds) {
  return seconds > 0 ? static_cast<double>(count) / seconds : 0;
}

const ResultRow* FindRow(const std::vector<PhaseResult>& results, Phase phase,
                         const std::string& name) {
  for (const PhaseResult& result : results) {
    if (result.phase != phase) {
      continue;
    }
    for (const ResultRow& row : result.rows) {
      if (row.name == name) {
        return &row;
      }
    }
  }
  return nullptr;
}

std::string FailureList(const CallStats& stats) {
  std::string text;
  for (const auto& [reason, count] : stats.failures_by_reason()) {
    text += (text.empty() ? "" : " ") + reason + "=" + std::to_string(count);
  }
  return text.empty() ? "-" : text;
}

std::string JsonString(const std::string& value) {
  std::string text = "\"";
  for (const char c : value) {
    switch (c) {
      case '"':
        text += "\\\"";
        break;
      case '\\':
        text += "\\\\";
        break;
      case '\n':
        text += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          text += Format("\\u%04x", static_cast<unsigned>(c));
        } else {
          text += c;
        }
    }
  }
  return text + "\"";
}

}  // namespace

std::optional<double> SubmitToHealthRatio(const std::vector<PhaseResult>& results) {
  const ResultRow* health = FindRow(results, Phase::kHealth, "Health/Check");
  const ResultRow* submit = FindRow(results, Phase::kSubmit, "SubmitComment");
  if (health == nullptr || submit == nullptr || health->stats.successes() == 0) {
    return std::nullopt;
  }
  // Both windows have the same length, so the ratio of counts is the ratio of
  // rates.
  return static_cast<double>(submit->stats.successes()) /
         static_cast<double>(health->stats.successes());
}

std::string FormatTable(const DriverOptions& options, const std::vector<PhaseResult>& results) {
  std::string text = Format(
      "target %s, %d calls in flight over %d channels and %d threads, warm-up %.1f s, "
      "measured %.1f s, deadline %lld ms\n\n",
      options.target.c_str(), options.concurrency, options.channels, options.threads,
      std::chrono::duration<double>(options.warmup).count(),
      std::chrono::duration<double>(options.duration).count(),
      static_cast<long long>(options.deadline.count()));
  text += Format("%-7s %-15s %9s %10s %10s %8s %8s %8s %8s  %s\n", "phase", "call", "calls",
                 "calls/s", "ok/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors");
  for (const PhaseResult& result : results) {
    for (const ResultRow& row : result.rows) {
      text += Format("%-7s %-15s %9llu %10.1f %10.1f %8.3f %8.3f %8.3f %8.3f  %s\n",
                     PhaseName(result.phase).c_str(), row.name.c_str(),
                     static_cast<unsigned long long>(row.stats.calls()),
                     PerSecond(row.stats.calls(), result.measured_seconds),
                     PerSecond(row.stats.successes(), result.measured_seconds), row.latency.p50_ms,
                     row.latency.p90_ms, row.latency.p99_ms, row.latency.max_ms,
                     FailureList(row.stats).c_str());
    }
  }
  text += "(latencies are of successful calls; captcha+submit is the whole operation)\n";
  if (const std::optional<double> ratio = SubmitToHealthRatio(results)) {
    text += Format("\nsubmissions/s / health checks/s = %.4f\n", *ratio);
  }
  bool first_example = true;
  for (const PhaseResult& result : results) {
    for (const ResultRow& row : result.rows) {
      for (const auto& [reason, example] : row.stats.example_by_reason()) {
        if (example.empty()) {
          continue;
        }
        if (first_example) {
          text += "\nfirst error of each kind:\n";
          first_example = false;
        }
        text += "  " + row.name + " " + reason + ": " + example + "\n";
      }
    }
  }
  return text;
}

std::string FormatJson(const DriverOptions& options, const std::vector<PhaseResult>& results) {
  std::string text = "{\n";
  text += "  \"target\": " + JsonString(options.target) + ",\n";
  text += Format(
      "  \"concurrency\": %d,\n  \"channels\": %d,\n  \"threads\": %d,\n"
      "  \"warmup_seconds\": %.3f,\n  \"duration_seconds\": %.3f,\n  \"deadline_ms\": %lld,\n",
      options.concurrency, options.channels, options.threads,
      std::chrono::duration<double>(options.warmup).count(),
      std::chrono::duration<double>(options.duration).count(),
      static_cast<long long>(options.deadline.count()));
  text += "  \"phases\": [";
  for (size_t p = 0; p < results.size(); ++p) {
    const PhaseResult& result = results[p];
    text += p == 0 ? "\n" : ",\n";
    text += "    {\"phase\": " + JsonString(PhaseName(result.phase)) +
            Format(", \"measured_seconds\": %.3f, \"calls\": [", result.measured_seconds);
    for (size_t r = 0; r < result.rows.size(); ++r) {
      const ResultRow& row = result.rows[r];
      text += r == 0 ? "\n" : ",\n";
      text += "      {\"call\": " + JsonString(row.name) +
              Format(
                  ", \"calls\": %llu, \"ok\": %llu, \"calls_per_second\": %.3f, "
                  "\"ok_per_second\": %.3f, \"latency_ms\": {\"p50\": %.3f, \"p90\": %.3f, "
                  "\"p99\": %.3f, \"max\": %.3f}, \"errors\": {",
                  static_cast<unsigned long long>(row.stats.calls()),
                  static_cast<unsigned long long>(row.stats.successes()),
                  PerSecond(row.stats.calls(), result.measured_seconds),
                  PerSecond(row.stats.successes(), result.measured_seconds), row.latency.p50_ms,
                  row.latency.p90_ms, row.latency.p99_ms, row.latency.max_ms);
      bool first = true;
      for (const auto& [reason, count] : row.stats.failures_by_reason()) {
        text += (first ? "" : ", ") + JsonString(reason) +
                Format(": %llu", static_cast<unsigned long long>(count));
        first = false;
      }
      text += "}, \"error_examples\": {";
      first = true;
      for (const auto& [reason, example] : row.stats.example_by_reason()) {
        text += (first ? "" : ", ") + JsonString(reason) + ": " + JsonString(example);
        first = false;
      }
      text += "}}";
    }
    text += "\n    ]}";
  }
  text += "\n  ],\n";
  const std::optional<double> ratio = SubmitToHealthRatio(results);
  text += "  \"submit_to_health_ratio\": " + (ratio ? Format("%.6f", *ratio) : "null") + "\n";
  text += "}\n";
  return text;
}

}  // namespace moderation::loadgen
