// Repeats Redis outages of every kind under a steady load of submissions, with
// CPU hogs beside it, and reports what each cost: not part of the default
// suite (it runs for as long as it is told). Run:
//
//   CHAOS_STRESS_OUTAGES=200 build-test/tests/chaos_outage_stress
//
// Settings (environment):
//   CHAOS_STRESS_OUTAGES   outages to run (25)
//   CHAOS_STRESS_KINDS     comma-separated, taken in turn (kill,stop,freeze,drop,slow):
//                          kill    SIGKILL of Redis, restarted after the outage
//                          stop    SIGTERM of Redis (orderly exit), restarted after
//                          freeze  SIGSTOP of Redis, SIGCONT after
//                          drop    every connection closed, new ones refused meanwhile
//                          slow    every reply held 700 ms (beyond the command timeout)
//   CHAOS_STRESS_DOWN_MS   how long each outage lasts (1000)
//   CHAOS_STRESS_HOGS      threads spinning on the CPU meanwhile (2)
//   CHAOS_STRESS_PROXY     1: the server reaches Redis through a fault proxy
//                          (required by drop and slow); 0: directly (default: 1
//                          when drop or slow is asked for)
//   CHAOS_STRESS_SERVER_PRELOAD  a library to LD_PRELOAD into the server only,
//                          e.g. build-test/tests/libchaos_keep_sigpipe.so
//                          (target chaos_keep_sigpipe), which keeps the server
//                          from ignoring SIGPIPE: the server then dies silently
//                          when Redis does, as it did before it ignored SIGPIPE
//
// For each outage it measures, from the moment Redis is back (restarted and
// accepting, thawed, or the proxy healed): how long until health says SERVING
// and until the first submission is acknowledged; and, from the fault, how long
// until health says NOT_SERVING. An outage after which nothing is acknowledged
// within 10 s is a hang: the run stops there and prints the server's log. At
// the end every acknowledged submission is looked for in Redis. One line per
// outage ("STRESS outage ...") and a summary ("STRESS summary ...").

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "service/storage/redis/redis_client.h"
#include "tests/chaos/chaos_fixture.h"
#include "tests/support/fault_proxy.h"

namespace moderation::chaos {
namespace {

constexpr char kCommentService[] = "moderation.v1.CommentService";

int EnvInt(const char* name, int fallback) {
  const char* value = getenv(name);
  int parsed = 0;
  return value != nullptr && absl::SimpleAtoi(value, &parsed) ? parsed : fallback;
}

std::string EnvString(const char* name, const std::string& fallback) {
  const char* value = getenv(name);
  return value != nullptr && *value != '\0' ? std::string(value) : fallback;
}

struct Figures {
  std::vector<absl::Duration> values;
  void Add(absl::Duration value) { values.push_back(value); }
  [[nodiscard]] std::string Describe() const {
    if (values.empty()) {
      return "n=0";
    }
    std::vector<absl::Duration> sorted = values;
    std::sort(sorted.begin(), sorted.end());
    auto at = [&](double q) {
      return absl::ToInt64Milliseconds(
          sorted[static_cast<std::size_t>(q * static_cast<double>(sorted.size() - 1) + 0.5)]);
    };
    return absl::StrCat("n=", sorted.size(), " p50=", at(0.5), "ms p95=", at(0.95),
                        "ms max=", absl::ToInt64Milliseconds(sorted.back()), "ms");
  }
  [[nodiscard]] int Over(absl::Duration limit) const {
    return static_cast<int>(
        std::count_if(values.begin(), values.end(), [&](absl::Duration d) { return d > limit; }));
  }
};

// Spins on the CPU until destroyed, to starve the server and Redis the way
// a busy machine does.
class CpuHogs {
 public:
  explicit CpuHogs(int count) {
    for (int i = 0; i < count; ++i) {
      threads_.emplace_back([this] {
        volatile uint64_t spin = 0;
        while (!stop_.load(std::memory_order_relaxed)) {
          spin = spin + 1;
        }
      });
    }
  }
  ~CpuHogs() {
    stop_.store(true);
    for (std::thread& thread : threads_) {
      thread.join();
    }
  }

 private:
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

std::string Tail(const std::string& path, std::size_t bytes) {
  std::ifstream file(path);
  std::stringstream contents;
  contents << file.rdbuf();
  const std::string all = contents.str();
  return all.size() <= bytes ? all : all.substr(all.size() - bytes);
}

int CountLines(const std::string& path, const std::string& needle) {
  std::ifstream file(path);
  std::string line;
  int count = 0;
  while (std::getline(file, line)) {
    if (line.find(needle) != std::string::npos) {
      ++count;
    }
  }
  return count;
}

// When a fresh connection to `url` first gets PONG (not LOADING), polling
// every few milliseconds for up to 10 s; absl::InfiniteFuture() if never.
absl::Time RedisAnswersAgain(const std::string& url) {
  redis::RedisClientOptions options;
  options.endpoint = *redis::ParseRedisUrl(url);
  options.reconnect_min_delay = absl::Milliseconds(5);
  options.reconnect_max_delay = absl::Milliseconds(5);
  options.connect_timeout = absl::Milliseconds(200);
  options.command_timeout = absl::Milliseconds(200);
  absl::StatusOr<std::unique_ptr<redis::RedisClient>> client = redis::RedisClient::Create(options);
  if (!client.ok() || !(*client)->WaitUntilConnected(absl::Seconds(10))) {
    return absl::InfiniteFuture();
  }
  const absl::Time answered = absl::Now();
  (*client)->Shutdown(absl::Milliseconds(100));
  return answered;
}

TEST_F(ChaosTest, RepeatedOutagesUnderLoad) {
  const int outages = EnvInt("CHAOS_STRESS_OUTAGES", 25);
  const std::vector<std::string> kinds =
      absl::StrSplit(EnvString("CHAOS_STRESS_KINDS", "kill,stop,freeze,drop,slow"), ',');
  const absl::Duration down = absl::Milliseconds(EnvInt("CHAOS_STRESS_DOWN_MS", 1000));
  const int hogs = EnvInt("CHAOS_STRESS_HOGS", 2);
  const bool needs_proxy = std::any_of(kinds.begin(), kinds.end(), [](const std::string& kind) {
    return kind == "drop" || kind == "slow";
  });
  const bool use_proxy = EnvInt("CHAOS_STRESS_PROXY", needs_proxy ? 1 : 0) != 0;
  ASSERT_TRUE(use_proxy || !needs_proxy) << "drop and slow need CHAOS_STRESS_PROXY=1";

  StartRedis();
  std::unique_ptr<testing::FaultProxy> proxy;
  if (use_proxy) {
    absl::StatusOr<std::unique_ptr<testing::FaultProxy>> started =
        testing::FaultProxy::Start(redis_->socket_path(), dir_->path() + "/proxy.sock");
    ASSERT_TRUE(started.ok()) << started.status();
    proxy = *std::move(started);
  }
  std::map<std::string, std::string> server_settings;
  if (const std::string preload = EnvString("CHAOS_STRESS_SERVER_PRELOAD", ""); !preload.empty()) {
    server_settings["LD_PRELOAD"] = preload;
  }
  StartServer(use_proxy ? proxy->url() : redis_->url(), server_settings);
  SubmissionLoad load(Load());
  load.Start();
  CpuHogs hog_threads(hogs);

  std::map<std::string, int> ran;
  std::map<std::string, Figures> ack_recovery;         // Redis back -> first acknowledgement
  std::map<std::string, Figures> health_recovery;      // Redis back -> SERVING
  std::map<std::string, Figures> health_down;          // fault -> NOT_SERVING
  std::map<std::string, Figures> ack_after_answering;  // Redis answers -> acknowledgement
  int hangs = 0;
  int health_unanswered = 0;  // health calls that failed outright
  int outage = 0;
  for (; outage < outages; ++outage) {
    const std::string& kind = kinds[static_cast<std::size_t>(outage) % kinds.size()];
    // Steady state first: the server serves.
    const int before = load.acknowledged();
    if (!testing::WaitFor([&] { return load.acknowledged() >= before + 5; }, absl::Seconds(10))) {
      ADD_FAILURE() << "no acknowledgement before outage " << outage;
      ++hangs;
      break;
    }

    const absl::Time fault = absl::Now();
    if (kind == "kill") {
      ASSERT_TRUE(redis_->Kill().ok());
    } else if (kind == "stop") {
      ASSERT_TRUE(redis_->Stop().ok());
    } else if (kind == "freeze") {
      ASSERT_TRUE(redis_->Signal(SIGSTOP).ok());
    } else if (kind == "drop") {
      proxy->RefuseConnections(true);
      proxy->DropConnections();
    } else if (kind == "slow") {
      proxy->DelayReplies(absl::Milliseconds(700));
    } else {
      FAIL() << "unknown outage kind " << kind;
    }
    // Health should turn within the outage (a frozen or slow Redis is noticed
    // only after the command timeout, 500 ms here).
    absl::Time turned = absl::InfiniteFuture();
    while (absl::Now() - fault < down) {
      const std::string health = HealthOf(channel_, kCommentService);
      if (health == "NOT_SERVING") {
        turned = absl::Now();
        break;
      }
      if (health != "SERVING") {
        ++health_unanswered;
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
    if (turned != absl::InfiniteFuture()) {
      health_down[kind].Add(turned - fault);
    }
    absl::SleepFor(down - (absl::Now() - fault));

    if (kind == "kill" || kind == "stop") {
      ASSERT_TRUE(redis_->Restart().ok());
    } else if (kind == "freeze") {
      ASSERT_TRUE(redis_->Signal(SIGCONT).ok());
    } else if (kind == "drop") {
      proxy->RefuseConnections(false);
    } else {
      proxy->DelayReplies(absl::ZeroDuration());
    }
    const absl::Time back = absl::Now();
    // When Redis answers commands again: a restarted Redis accepts
    // connections before it has loaded its data (it answers LOADING meanwhile).
    const absl::Time answering = RedisAnswersAgain(use_proxy ? proxy->url() : redis_->url());
    absl::Time serving = absl::InfiniteFuture();
    absl::Time acknowledged = absl::InfiniteFuture();
    testing::WaitFor(
        [&] {
          if (serving == absl::InfiniteFuture()) {
            const std::string health = HealthOf(channel_, kCommentService);
            if (health == "SERVING") {
              serving = absl::Now();
            } else if (health != "NOT_SERVING") {
              ++health_unanswered;
            }
          }
          acknowledged = load.FirstAcknowledgedAfter(back);
          return serving != absl::InfiniteFuture() && acknowledged != absl::InfiniteFuture();
        },
        absl::Seconds(10));
    ++ran[kind];
    const int deadline_exceeded = load.Snapshot().errors["DEADLINE_EXCEEDED"];
    std::cout << "STRESS outage " << outage << " " << kind << ": not_serving_after_ms="
              << (turned == absl::InfiniteFuture()
                      ? std::string("never")
                      : absl::StrCat(absl::ToInt64Milliseconds(turned - fault)))
              << " serving_after_back_ms="
              << (serving == absl::InfiniteFuture()
                      ? std::string("never")
                      : absl::StrCat(absl::ToInt64Milliseconds(serving - back)))
              << " acknowledged_after_back_ms="
              << (acknowledged == absl::InfiniteFuture()
                      ? std::string("never")
                      : absl::StrCat(absl::ToInt64Milliseconds(acknowledged - back)))
              << " redis_answering_after_back_ms="
              << (answering == absl::InfiniteFuture()
                      ? std::string("never")
                      : absl::StrCat(absl::ToInt64Milliseconds(answering - back)))
              << " acknowledged_after_answering_ms="
              << (acknowledged == absl::InfiniteFuture() || answering == absl::InfiniteFuture()
                      ? std::string("n/a")
                      : absl::StrCat(absl::ToInt64Milliseconds(
                            std::max(absl::ZeroDuration(), acknowledged - answering))))
              << " deadline_exceeded_so_far=" << deadline_exceeded << std::endl;
    if (answering != absl::InfiniteFuture() && acknowledged != absl::InfiniteFuture()) {
      ack_after_answering[kind].Add(std::max(absl::ZeroDuration(), acknowledged - answering));
    }
    if (serving != absl::InfiniteFuture()) {
      health_recovery[kind].Add(serving - back);
    }
    if (acknowledged == absl::InfiniteFuture()) {
      ++hangs;
      ADD_FAILURE() << "HANG after outage " << outage << " (" << kind
                    << "): nothing acknowledged within 10 s of Redis coming back; server "
                    << (server_->Running() ? "running" : "not running") << "\n"
                    << Tail(server_log_, 4000);
      break;
    }
    ack_recovery[kind].Add(acknowledged - back);
  }

  const LoadReport report = load.Stop();
  const Audit audit = AuditRedis(redis_->url(), report);
  Figures all_ack;
  Figures all_health;
  Figures all_after_answering;
  for (const auto& [kind, figures] : ack_after_answering) {
    all_after_answering.values.insert(all_after_answering.values.end(), figures.values.begin(),
                                      figures.values.end());
  }
  for (const auto& [kind, figures] : ack_recovery) {
    all_ack.values.insert(all_ack.values.end(), figures.values.begin(), figures.values.end());
    std::cout << "STRESS kind " << kind << ": outages=" << ran[kind] << " acknowledged_after_back "
              << figures.Describe() << " | serving_after_back " << health_recovery[kind].Describe()
              << " | not_serving_after_fault " << health_down[kind].Describe()
              << " | acknowledged_after_redis_answers " << ack_after_answering[kind].Describe()
              << std::endl;
  }
  for (const auto& [kind, figures] : health_recovery) {
    all_health.values.insert(all_health.values.end(), figures.values.begin(), figures.values.end());
  }
  std::vector<std::string> kinds_ran;
  for (const auto& [kind, count] : ran) {
    kinds_ran.push_back(absl::StrCat(kind, "=", count));
  }
  std::cout << "STRESS summary: outages=" << outage << " (" << absl::StrJoin(kinds_ran, " ")
            << ") proxy=" << (use_proxy ? 1 : 0) << " down_ms=" << absl::ToInt64Milliseconds(down)
            << " hogs=" << hogs << " hangs=" << hangs << " acknowledged=" << audit.acknowledged
            << " lost=" << (audit.acknowledged - audit.found) << " duplicated=" << audit.duplicated
            << " calls=" << report.calls << " errors: " << report.ErrorSummary()
            << " health_calls_failed=" << health_unanswered << " | acknowledged_after_back "
            << all_ack.Describe() << " over_1s=" << all_ack.Over(absl::Seconds(1))
            << " | serving_after_back " << all_health.Describe()
            << " over_1s=" << all_health.Over(absl::Seconds(1))
            << " | acknowledged_after_redis_answers " << all_after_answering.Describe()
            << " over_1s=" << all_after_answering.Over(absl::Seconds(1))
            << " | server_stall_lines=" << CountLines(server_log_, "\"stall")
            << " server_running=" << (server_->Running() ? 1 : 0) << std::endl;
  EXPECT_EQ(hangs, 0);
  EXPECT_TRUE(server_->Running());
  EXPECT_EQ(audit.found, audit.acknowledged) << absl::StrJoin(audit.problems, "\n");
  EXPECT_EQ(audit.duplicated, 0);
  EXPECT_EQ(report.errors.count("DEADLINE_EXCEEDED"), 0u) << "a call hung until its deadline";
}

}  // namespace
}  // namespace moderation::chaos
