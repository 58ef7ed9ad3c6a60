// Measures the rate limiter's decisions per second against a private
// redis-server: each decision is a submission's full set of limits (five or
// six GCRA checks, one Lua call each, sent in one write), with many decisions
// in flight at once, as under load. Prints a table; not part of the tests.

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdio>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "service/ratelimit/limit_keys.h"
#include "service/ratelimit/redis_limit_store.h"
#include "tests/support/redis_server.h"

namespace {

struct Run {
  int64_t decisions = 0;
  int64_t refused = 0;
  double seconds = 0;
};

// Keeps `in_flight` decisions going for `duration`, each for one of
// `subjects` distinct readers (so most are allowed, as in real traffic).
Run Drive(moderation::ratelimit::RateLimiter& limiter,
          const moderation::ratelimit::SubmissionLimits& limits, int in_flight,
          absl::Duration duration, int subjects, int64_t first_reader) {
  const moderation::privacy::Pseudonymiser pseudonymiser("bench-key");
  std::atomic<int64_t> decisions{0};
  std::atomic<int64_t> refused{0};
  std::atomic<int64_t> next{first_reader};
  std::atomic<int> running{in_flight};
  absl::Notification all_stopped;
  const absl::Time end = absl::Now() + duration;
  const absl::Time start = absl::Now();

  // Each chain issues its next decision from the previous one's callback.
  std::function<void()> issue = [&] {
    if (absl::Now() >= end) {
      if (--running == 0) {
        all_stopped.Notify();
      }
      return;
    }
    const int64_t n = next++;
    // Consecutive readers sit in different /24 blocks, as a real audience does.
    const int64_t reader = n % subjects;
    const std::string ip =
        absl::StrCat("10.", reader % 256, ".", reader / 256 % 256, ".", reader / 65536 % 256);
    limiter.Check(moderation::ratelimit::SubmissionSubjects(limits, pseudonymiser, ip,
                                                            pseudonymiser.AddressDigest(ip), "",
                                                            absl::StrCat("article-", n % 50)),
                  [&](absl::Status status) {
                    ++decisions;
                    if (!status.ok()) {
                      ++refused;
                    }
                    issue();
                  });
  };
  for (int i = 0; i < in_flight; ++i) {
    issue();
  }
  all_stopped.WaitForNotification();
  return Run{decisions.load(), refused.load(), absl::ToDoubleSeconds(absl::Now() - start)};
}

}  // namespace

int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape)
  CLI::App app{"ratelimit-bench: rate limiter decisions per second on a private redis-server"};
  double seconds = 5;
  std::vector<int> in_flight = {1, 16, 64, 256};
  std::string appendfsync = "always";
  app.add_option("--duration", seconds, "seconds per run")->capture_default_str();
  app.add_option("--in-flight", in_flight, "decisions in flight, one run each");
  app.add_option("--appendfsync", appendfsync, "Redis AOF policy: always (shipped) or everysec")
      ->check(CLI::IsMember({"always", "everysec", "no"}))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  absl::StatusOr<std::unique_ptr<moderation::testing::RedisServer>> redis =
      moderation::testing::RedisServer::Start({"--appendfsync", appendfsync});
  if (!redis.ok()) {
    std::fprintf(stderr, "error: %s\n", std::string(redis.status().message()).c_str());
    return 1;
  }
  moderation::redis::RedisClientOptions options;
  options.endpoint = *moderation::redis::ParseRedisUrl((*redis)->url());
  std::unique_ptr<moderation::redis::RedisClient> client =
      *moderation::redis::RedisClient::Create(options);
  if (!client->WaitUntilConnected(absl::Seconds(5))) {
    std::fprintf(stderr, "error: cannot connect to redis\n");
    return 1;
  }
  moderation::SystemClock clock;
  moderation::ratelimit::RedisLimitStore store(*client);
  moderation::ratelimit::RateLimiter limiter(store, clock, {.store_timeout = absl::Seconds(1)});
  moderation::ratelimit::SubmissionLimits limits;
  // Generous limits: this measures the cost of deciding, not of refusing.
  limits.global.count = 1000000000;
  limits.global.burst = 1000000000;
  limits.article.count = 1000000000;
  limits.article.burst = 1000000000;

  std::printf("%-10s %12s %14s %14s %10s\n", "in-flight", "decisions", "decisions/s", "checks/s",
              "refused");
  int64_t first_reader = 0;
  for (int depth : in_flight) {
    const Run run = Drive(limiter, limits, depth, absl::Seconds(seconds), 10000000, first_reader);
    first_reader += run.decisions;
    const double per_second = static_cast<double>(run.decisions) / run.seconds;
    std::printf("%-10d %12lld %14.0f %14.0f %10lld\n", depth, static_cast<long long>(run.decisions),
                per_second, per_second * 5, static_cast<long long>(run.refused));
  }
  return 0;
}
