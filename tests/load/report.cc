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

const PhaseResult* FindPhase(const std::vector<PhaseResult>& results, Phase phase) {
  for (const PhaseResult& result : results) {
    if (result.phase == phase) {
      return &result;
    }
  }
  return nullptr;
}

double ExpectedPerSecond(const PhaseResult& result) {
  return PerSecond(result.total().stats.expected(), result.measured_seconds);
}

double Mebibytes(uint64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

double Percent(uint64_t part, uint64_t whole) {
  return whole == 0 ? 0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

std::string OutcomeList(const CallStats& stats) {
  std::string text;
  for (const auto& [outcome, count] : stats.outcomes()) {
    text += (text.empty() ? "" : ", ") + outcome + ": " + std::to_string(count);
  }
  return text.empty() ? "-" : text;
}

std::string LoopDescription(const DriverOptions& options) {
  const std::string measured =
      options.count > 0 ? Format("%llu calls", static_cast<unsigned long long>(options.count))
                        : Format("%.1f s", std::chrono::duration<double>(options.duration).count());
  std::string text =
      Format("health: closed loop, %d calls in flight; submit: ", options.concurrency);
  if (options.rate > 0) {
    text += Format("open loop at %.1f calls/s (at most %d in flight)", options.rate,
                   options.max_in_flight);
  } else {
    text += Format("closed loop, %d calls in flight", options.concurrency);
  }
  return text + Format("; %d channels, %d threads; warm-up %.1f s, measured %s, deadline %lld ms",
                       options.channels, options.threads,
                       std::chrono::duration<double>(options.warmup).count(), measured.c_str(),
                       static_cast<long long>(options.deadline.count()));
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

std::optional<double> SubmitToHealthCpuRatio(const std::vector<PhaseResult>& results) {
  const PhaseResult* health = FindPhase(results, Phase::kHealth);
  const PhaseResult* submit = FindPhase(results, Phase::kSubmit);
  if (health == nullptr || submit == nullptr) {
    return std::nullopt;
  }
  for (const ProcessUsage& health_usage : health->processes) {
    for (const ProcessUsage& submit_usage : submit->processes) {
      if (health_usage.name == "server" && submit_usage.name == "server" &&
          submit_usage.cpu_us_per_call > 0) {
        return health_usage.cpu_us_per_call / submit_usage.cpu_us_per_call;
      }
    }
  }
  return std::nullopt;
}

std::optional<double> SubmitToHealthRatio(const std::vector<PhaseResult>& results) {
  const PhaseResult* health = FindPhase(results, Phase::kHealth);
  const PhaseResult* submit = FindPhase(results, Phase::kSubmit);
  // An open-loop rate is whatever was asked for, not a ceiling.
  if (health == nullptr || submit == nullptr || submit->open_loop ||
      ExpectedPerSecond(*health) <= 0) {
    return std::nullopt;
  }
  return ExpectedPerSecond(*submit) / ExpectedPerSecond(*health);
}

std::string FormatTable(const DriverOptions& options, const std::optional<Preparation>& preparation,
                        const std::vector<PhaseResult>& results) {
  std::string text = "target " + options.target + "\n" + LoopDescription(options) + "\n";
  if (FindPhase(results, Phase::kSubmit) != nullptr) {
    text += "mix: " + options.mix.ToString() + "\n";
  }
  if (preparation) {
    text += Format("preparation: %llu captchas in %.1f s; the first had %.0f s left to live",
                   static_cast<unsigned long long>(preparation->captchas), preparation->seconds,
                   preparation->captcha_seconds_left);
    if (preparation->hot_address_submissions > 0) {
      text += Format("; the rate limited address was refused after %d submissions",
                     preparation->hot_address_submissions);
    }
    text += "\n";
  }
  text +=
      Format("\n%-7s %-14s %9s %9s %9s %8s %8s %8s %8s %8s %7s\n", "phase", "call", "calls",
             "calls/s", "expect/s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms", "expect%");
  for (const PhaseResult& result : results) {
    for (const ResultRow& row : result.rows) {
      text += Format("%-7s %-14s %9llu %9.1f %9.1f %8.3f %8.3f %8.3f %8.3f %8.3f %6.1f%%\n",
                     PhaseName(result.phase).c_str(), row.name.c_str(),
                     static_cast<unsigned long long>(row.stats.calls()),
                     PerSecond(row.stats.calls(), result.measured_seconds),
                     PerSecond(row.stats.expected(), result.measured_seconds), row.latency.p50_ms,
                     row.latency.p90_ms, row.latency.p99_ms, row.latency.p999_ms,
                     row.latency.max_ms, Percent(row.stats.expected(), row.stats.calls()));
    }
  }
  text +=
      "(latency: every answered call, whatever the answer; in open loop counted from when the "
      "call was due)\n";
  for (const PhaseResult& result : results) {
    if (result.pool_ran_out) {
      text += Format(
          "\nwarning: the %s phase used up its prepared submissions after %.1f s of the measured "
          "window, which ended there; ask for more with --captchas\n",
          PhaseName(result.phase).c_str(), result.measured_seconds);
    }
    if (result.open_loop) {
      const CallStats& total = result.total().stats;
      text += Format(
          "\nopen loop: asked %.1f calls/s, sent %.1f calls/s; %llu late (sent > 1 ms after "
          "due, at most %.3f ms), %llu dropped (over %d in flight)\n",
          result.target_rate, result.sent_per_second, static_cast<unsigned long long>(total.late()),
          total.max_lateness_ms(), static_cast<unsigned long long>(total.dropped()),
          options.max_in_flight);
    }
  }
  for (const PhaseResult& result : results) {
    for (const ProcessUsage& usage : result.processes) {
      text += Format("\n%s CPU in the %s phase: %.1f s, %.1f us per call", usage.name.c_str(),
                     PhaseName(result.phase).c_str(), usage.cpu_seconds, usage.cpu_us_per_call);
      if (usage.rss_bytes > 0) {
        text += Format("; resident memory at its end %.1f MiB (peak so far %.1f MiB)",
                       Mebibytes(usage.rss_bytes), Mebibytes(usage.peak_rss_bytes));
      }
    }
  }
  if (const std::optional<double> ratio = SubmitToHealthRatio(results)) {
    text += Format("\nSubmitComment / Health.Check = %.1f %%\n", *ratio * 100);
    text +=
        "(SubmitComment calls answered as expected per second over health checks answered "
        "SERVING per second)\n";
  }
  if (const std::optional<double> cpu_ratio = SubmitToHealthCpuRatio(results)) {
    text += Format("by the server's CPU per call: a health check costs %.1f %% of a submission\n",
                   *cpu_ratio * 100);
  }
  text += "\nanswers:\n";
  for (const PhaseResult& result : results) {
    for (const ResultRow& row : result.rows) {
      if (row.expectation == "as its kind") {
        continue;
      }
      text += Format("  %-14s expected %s; got %s\n", row.name.c_str(), row.expectation.c_str(),
                     OutcomeList(row.stats).c_str());
    }
  }
  bool first_example = true;
  for (const PhaseResult& result : results) {
    for (const ResultRow& row : result.rows) {
      if (row.expectation == "as its kind") {
        continue;
      }
      for (const auto& [outcome, example] : row.stats.example_by_outcome()) {
        if (first_example) {
          text += "\nfirst unexpected answer of each kind:\n";
          first_example = false;
        }
        text += "  " + row.name + " " + outcome + (example.empty() ? "" : ": " + example) + "\n";
      }
    }
  }
  return text;
}

std::string FormatJson(const DriverOptions& options, const std::optional<Preparation>& preparation,
                       const std::vector<PhaseResult>& results) {
  std::string text = "{\n";
  text += "  \"target\": " + JsonString(options.target) + ",\n";
  text += Format(
      "  \"mode\": %s,\n  \"rate\": %.3f,\n  \"max_in_flight\": %d,\n"
      "  \"concurrency\": %d,\n  \"channels\": %d,\n  \"threads\": %d,\n"
      "  \"warmup_seconds\": %.3f,\n  \"duration_seconds\": %.3f,\n  \"count\": %llu,\n"
      "  \"deadline_ms\": %lld,\n",
      options.rate > 0 ? "\"open_loop\"" : "\"closed_loop\"", options.rate, options.max_in_flight,
      options.concurrency, options.channels, options.threads,
      std::chrono::duration<double>(options.warmup).count(),
      std::chrono::duration<double>(options.duration).count(),
      static_cast<unsigned long long>(options.count),
      static_cast<long long>(options.deadline.count()));
  text += "  \"mix\": " + JsonString(options.mix.ToString()) + ",\n";
  if (preparation) {
    text += Format(
        "  \"preparation\": {\"captchas\": %llu, \"seconds\": %.3f, "
        "\"captcha_seconds_left\": %.3f, \"hot_address_submissions\": %d},\n",
        static_cast<unsigned long long>(preparation->captchas), preparation->seconds,
        preparation->captcha_seconds_left, preparation->hot_address_submissions);
  }
  text += "  \"phases\": [";
  for (size_t p = 0; p < results.size(); ++p) {
    const PhaseResult& result = results[p];
    text += p == 0 ? "\n" : ",\n";
    text += "    {\"phase\": " + JsonString(PhaseName(result.phase)) +
            Format(
                ", \"open_loop\": %s, \"target_rate\": %.3f, \"sent_per_second\": %.3f, "
                "\"measured_seconds\": %.3f, \"pool_ran_out\": %s",
                result.open_loop ? "true" : "false", result.target_rate, result.sent_per_second,
                result.measured_seconds, result.pool_ran_out ? "true" : "false");
    text += ", \"processes\": {";
    for (size_t i = 0; i < result.processes.size(); ++i) {
      const ProcessUsage& usage = result.processes[i];
      text += (i == 0 ? "" : ", ") + JsonString(usage.name) +
              Format(
                  ": {\"cpu_seconds\": %.3f, \"cpu_us_per_call\": %.3f, \"rss_bytes\": %llu, "
                  "\"peak_rss_bytes\": %llu}",
                  usage.cpu_seconds, usage.cpu_us_per_call,
                  static_cast<unsigned long long>(usage.rss_bytes),
                  static_cast<unsigned long long>(usage.peak_rss_bytes));
    }
    text += "}, \"calls\": [";
    for (size_t r = 0; r < result.rows.size(); ++r) {
      const ResultRow& row = result.rows[r];
      text += r == 0 ? "\n" : ",\n";
      text += "      {\"call\": " + JsonString(row.name) +
              ", \"expected\": " + JsonString(row.expectation) +
              Format(
                  ", \"calls\": %llu, \"as_expected\": %llu, \"calls_per_second\": %.3f, "
                  "\"as_expected_per_second\": %.3f, \"late\": %llu, "
                  "\"max_lateness_ms\": %.3f, \"dropped\": %llu, "
                  "\"latency_ms\": {\"p50\": %.3f, \"p90\": %.3f, \"p99\": %.3f, "
                  "\"p99_9\": %.3f, \"max\": %.3f}, \"answers\": {",
                  static_cast<unsigned long long>(row.stats.calls()),
                  static_cast<unsigned long long>(row.stats.expected()),
                  PerSecond(row.stats.calls(), result.measured_seconds),
                  PerSecond(row.stats.expected(), result.measured_seconds),
                  static_cast<unsigned long long>(row.stats.late()), row.stats.max_lateness_ms(),
                  static_cast<unsigned long long>(row.stats.dropped()), row.latency.p50_ms,
                  row.latency.p90_ms, row.latency.p99_ms, row.latency.p999_ms, row.latency.max_ms);
      bool first = true;
      for (const auto& [outcome, count] : row.stats.outcomes()) {
        text += (first ? "" : ", ") + JsonString(outcome) +
                Format(": %llu", static_cast<unsigned long long>(count));
        first = false;
      }
      text += "}, \"unexpected_examples\": {";
      first = true;
      for (const auto& [outcome, example] : row.stats.example_by_outcome()) {
        text += (first ? "" : ", ") + JsonString(outcome) + ": " + JsonString(example);
        first = false;
      }
      text += "}}";
    }
    text += "\n    ]}";
  }
  text += "\n  ],\n";
  const std::optional<double> ratio = SubmitToHealthRatio(results);
  text += "  \"submit_to_health_ratio\": " + (ratio ? Format("%.6f", *ratio) : "null") + ",\n";
  text +=
      "  \"submit_to_health_percent\": " + (ratio ? Format("%.2f", *ratio * 100) : "null") + ",\n";
  const std::optional<double> cpu_ratio = SubmitToHealthCpuRatio(results);
  text += "  \"health_to_submit_server_cpu_ratio\": " +
          (cpu_ratio ? Format("%.6f", *cpu_ratio) : "null") + "\n";
  text += "}\n";
  return text;
}

}  // namespace moderation::loadgen
