// moderation-loadgen: measures how many comment submissions per second the
// service sustains (closed loop), or the latency it gives at a fixed rate
// (open loop), against the ceiling set by an empty handler (the standard
// health check) on the same machine. Each submission gets a captcha fetched
// before the measured window, so the window holds SubmitComment calls alone.

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

int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape)
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
  uint64_t count = 0;
  double rate = 0;
  int max_in_flight = 1000;
  std::string mix_text = "valid=100";
  uint64_t captchas = 0;
  double rate_guess = 3000;
  int captcha_concurrency = 32;
  double captcha_min_age_s = 3.5;
  std::string request_file;
  int server_pid = 0;
  int redis_pid = 0;
  app.add_option("--target", target, "server address (host:port)")->capture_default_str();
  app.add_option("--duration", duration_s, "measured seconds per phase")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--count", count, "measure this many calls per phase instead of --duration")
      ->check(CLI::Range(uint64_t{1}, uint64_t{100'000'000}));
  app.add_option("--rate", rate,
                 "open loop: submit phase sends this many calls/s on a fixed schedule, latency "
                 "counted from when each call was due (default: closed loop)")
      ->check(CLI::Range(0.1, 1e6));
  app.add_option("--max-in-flight", max_in_flight,
                 "open loop: calls allowed in flight; a call due beyond it is dropped and counted")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  app.add_option("--mix", mix_text,
                 "submissions by kind: valid, wrong_captcha, spam, rate_limited, invalid, e.g. "
                 "valid=90,wrong_captcha=3,spam=3,rate_limited=2,invalid=2")
      ->capture_default_str();
  app.add_option("--captchas", captchas,
                 "captchas to fetch before the submit phase, one per submission (default: from "
                 "--rate or --count and the durations)")
      ->check(CLI::Range(uint64_t{1}, uint64_t{10'000'000}));
  app.add_option("--closed-loop-rate-guess", rate_guess,
                 "closed loop without --captchas: submissions/s to fetch captchas for")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 1e6));
  app.add_option("--captcha-concurrency", captcha_concurrency,
                 "CreateCaptcha calls in flight while preparing")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  app.add_option("--captcha-min-age", captcha_min_age_s,
                 "seconds between the last captcha and the submit phase (the too_fast spam "
                 "rule's min_delay_seconds is 3)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
  app.add_option("--server-pid", server_pid,
                 "report this process's CPU time per call and resident memory (the server, on "
                 "this machine)")
      ->check(CLI::PositiveNumber);
  app.add_option("--redis-pid", redis_pid, "likewise for redis-server")->check(CLI::PositiveNumber);
  app.add_option("--write-request", request_file,
                 "only write one gRPC-framed SubmitComment request (for h2load -d: a "
                 "rate_limited one, its captcha answered wrongly) and exit");
  app.add_option("--warmup", warmup_s, "unmeasured seconds before each phase's window")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--concurrency", concurrency, "closed loop: calls kept in flight")
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
  std::string mix_error;
  const std::optional<moderation::loadgen::Mix> mix =
      moderation::loadgen::ParseMix(mix_text, &mix_error);
  if (!mix) {
    std::fprintf(stderr, "--mix: %s\n", mix_error.c_str());
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
  options.count = count;
  options.rate = rate;
  options.max_in_flight = max_in_flight;
  options.mix = *mix;
  options.captchas = captchas;
  options.closed_loop_rate_guess = rate_guess;
  options.captcha_concurrency = captcha_concurrency;
  if (server_pid > 0) {
    options.watched.push_back({"server", server_pid});
  }
  if (redis_pid > 0) {
    options.watched.push_back({"redis", redis_pid});
  }
  options.captcha_min_age =
      std::chrono::milliseconds(static_cast<int64_t>(captcha_min_age_s * 1000));
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

  if (!request_file.empty()) {
    if (!driver.WriteFramedRequest(request_file, &error)) {
      std::fprintf(stderr, "moderation-loadgen: %s\n", error.c_str());
      return 1;
    }
    return 0;
  }

  std::vector<PhaseResult> results;
  std::optional<moderation::loadgen::Preparation> preparation;
  for (const Phase phase : *phases) {
    if (phase == Phase::kSubmit) {
      if (!driver.PrepareSubmissions(&error)) {
        std::fprintf(stderr, "moderation-loadgen: %s\n", error.c_str());
        return 1;
      }
      preparation = driver.preparation();
    }
    if (count > 0) {
      std::fprintf(stderr, "phase %s: %.1f s warm-up, %llu calls measured\n",
                   moderation::loadgen::PhaseName(phase).c_str(), warmup_s,
                   static_cast<unsigned long long>(count));
    } else {
      std::fprintf(stderr, "phase %s: %.1f s warm-up, %.1f s measured\n",
                   moderation::loadgen::PhaseName(phase).c_str(), warmup_s, duration_s);
    }
    results.push_back(driver.Run(phase));
  }

  std::fputs(moderation::loadgen::FormatTable(options, preparation, results).c_str(), stdout);
  if (!json_path.empty()) {
    std::ofstream json(json_path);
    json << moderation::loadgen::FormatJson(options, preparation, results);
    if (!json) {
      std::fprintf(stderr, "moderation-loadgen: cannot write %s\n", json_path.c_str());
      return 1;
    }
  }

  // A phase in which nothing was answered as expected measured nothing: fail
  // so that scripts notice.
  for (const PhaseResult& result : results) {
    if (result.total().stats.expected() == 0) {
      return 3;
    }
  }
  return 0;
}
