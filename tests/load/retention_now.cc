// Runs the retention sweep now, as if `--ahead-days` had passed: every
// decided comment loses its personal data, with the audit entry the server's
// sweeper writes for it (through the same store and auditor). For measuring
// what a comment keeps in Redis after retention (tests/load/memory_bench.sh);
// not a way to run retention in production, where the server's sweeper does.
// The audit entries are sealed with a key of this tool's own, so
// `modctl audit --verify` finds them foreign: use it on a bench Redis only.
//   retention-now --redis-url redis://127.0.0.1:6379 [--ahead-days 365]
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>

#include "service/audit/redis_audit_log.h"
#include "service/common/clock.h"
#include "service/retention/redis_retention_store.h"
#include "service/retention/retention_audit.h"
#include "service/storage/redis/redis_client.h"

int main(int argc, char** argv) {
  CLI::App app{"retention-now: the retention sweep, as if time had passed (benchmarks only)"};
  std::string url;
  int ahead_days = 365;
  app.add_option("--redis-url", url, "the bench Redis")->required();
  app.add_option("--ahead-days", ahead_days, "how far ahead the sweep's clock is")
      ->check(CLI::Range(1, 36500));
  CLI11_PARSE(app, argc, argv);

  namespace redis = moderation::redis;
  namespace retention = moderation::retention;
  redis::RedisClientOptions options;
  absl::StatusOr<redis::RedisEndpoint> endpoint = redis::ParseRedisUrl(url);
  if (!endpoint.ok()) {
    std::fprintf(stderr, "%s\n", std::string(endpoint.status().message()).c_str());
    return 2;
  }
  options.endpoint = *endpoint;
  absl::StatusOr<std::unique_ptr<redis::RedisClient>> client =
      redis::RedisClient::Create(std::move(options));
  if (!client.ok() || !(*client)->WaitUntilConnected(absl::Seconds(5))) {
    std::fprintf(stderr, "cannot reach %s\n", url.c_str());
    return 1;
  }
  moderation::SystemClock clock;
  moderation::audit::AuditChain chain(std::string(32, 'r'));
  moderation::audit::RedisAuditLog log(**client, chain);
  retention::RedisRetentionStore store(**client);
  retention::RetentionAuditor auditor(log, clock, absl::Hours(24) * 90, absl::Hours(24) * 30);
  const retention::SweepCutoffs cutoffs{.erase_decided_before =
                                            clock.Now() + absl::Hours(24) * ahead_days};
  retention::SweepCounts total;
  std::string cursor = "0";
  do {
    absl::StatusOr<retention::SweepStep> step = store.Sweep(cursor, 200, cutoffs);
    if (!step.ok()) {
      std::fprintf(stderr, "sweep failed: %s\n", std::string(step.status().message()).c_str());
      return 1;
    }
    auditor.Record(*step);
    total += step->counts;
    cursor = step->next_cursor;
  } while (cursor != "0");
  std::printf("examined %lld, erased %lld\n", static_cast<long long>(total.examined),
              static_cast<long long>(total.erased));
  (*client)->Shutdown(absl::Seconds(1));
  return 0;
}
