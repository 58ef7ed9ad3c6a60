// moderation-loadgen: measures how many comment submissions per second the
// service sustains, against the ceiling set by an empty handler (the standard
// health check) on the same machine.

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "tests/load/load_driver.h"
#include "tests/load/report.h"

namespace {

using moderation::loadgen::DriverOptions;
using moderation::loadgen::LoadDriver;
using moderation::loadgen::Phase;
using moderation::loadgen::PhaseResult;

// Parses "health,submit" (any order, no repeats) into phases in that order.
std::optional<std::vector<Phase>> ParsePhases(const std::string& text) {
  std::vector<Phase> phases;
  std::stringstream stream(text);
  std::string name;
  while (std::getline(stream, name, ',')) {
    Phase phase;
    if (name == "health") {
      phase = Phase::kHealth;
    } else if (name == "submit") {
      phase = Phase::kSubmit;
    } else {
      return std::nullopt;
    }
    for (const Phase seen : phases) {
      if (seen == phase) {
        return std::nullopt;
      }
    }
    phases.push_back(phase);
  }
  if (phases.empty()) {
    return std::nullopt;
  }
  return phases;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"moderation-loadgen: load generator for the comment moderation service"};
  std::string target = "127.0.0.1:50051";
  double duration_s = 10;
  double warmup_s = 2;
  int concurrency = 64;
  int channels = 4;
  int threads = 0;
  int deadline_ms = 5000;
  std::string phases_text = "health,submit";
  std::string json_path;
  std::string token;
  std::string tls_ca_file;
  app.add_option("--target", target, "server address (host:port)")->capture_default_str();
  app.add_option("--duration", duration_s, "measured seconds per phase")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--warmup", warmup_s, "unmeasured seconds before each phase's window")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--concurrency", concurrency, "calls (or operations) kept in flight")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--channels", channels, "channels, each with its own TCP connection")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  app.add_option("--threads", threads, "completion-queue threads (0: one per channel)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1024));
  app.add_option("--deadline-ms", deadline_ms, "deadline of each call, milliseconds")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600000));
  app.add_option("--phases", phases_text, "comma-separated: health, submit")->capture_default_str();
  app.add_option("--json", json_path, "also write the results to this file as JSON");
  app.add_option("--token", token, "portal bearer token, when the server requires tokens")
      ->envname("LOADGEN_TOKEN");
  app.add_option("--tls-ca", tls_ca_file, "connect with TLS, trusting this PEM CA file")
      ->check(CLI::ExistingFile);
  CLI11_PARSE(app, argc, argv);

  const std::optional<std::vector<Phase>> phases = ParsePhases(phases_text);
  if (!phases) {
    std::fprintf(stderr,
                 "--phases: expected a comma-separated list of health, submit; got \"%s\"\n",
                 phases_text.c_str());
    return 2;
  }

  DriverOptions options;
  options.target = target;
  options.duration = std::chrono::milliseconds(static_cast<int64_t>(duration_s * 1000));
  options.warmup = std::chrono::milliseconds(static_cast<int64_t>(warmup_s * 1000));
  options.deadline = std::chrono::milliseconds(deadline_ms);
  options.concurrency = concurrency;
  options.channels = channels;
  options.threads = threads == 0 ? channels : threads;
  options.token = token;
  if (!tls_ca_file.empty()) {
    std::ifstream ca(tls_ca_file);
    std::stringstream pem;
    pem << ca.rdbuf();
    options.tls_ca_pem = pem.str();
  }

  LoadDriver driver(options);
  std::string error;
  if (!driver.Connect(&error)) {
    std::fprintf(stderr, "moderation-loadgen: %s\n", error.c_str());
    return 1;
  }

  std::vector<PhaseResult> results;
  for (const Phase phase : *phases) {
    std::fprintf(stderr, "phase %s: %.1f s warm-up, %.1f s measured\n",
                 moderation::loadgen::PhaseName(phase).c_str(), warmup_s, duration_s);
    results.push_back(driver.Run(phase));
  }

  std::fputs(moderation::loadgen::FormatTable(options, results).c_str(), stdout);
  if (!json_path.empty()) {
    std::ofstream json(json_path);
    json << moderation::loadgen::FormatJson(options, results);
    if (!json) {
      std::fprintf(stderr, "moderation-loadgen: cannot write %s\n", json_path.c_str());
      return 1;
    }
  }

  // A phase in which nothing succeeded measured nothing: fail so that scripts
  // notice.
  for (const PhaseResult& result : results) {
    for (const moderation::loadgen::ResultRow& row : result.rows) {
      if (row.stats.successes() == 0) {
        return 3;
      }
    }
  }
  return 0;
}
