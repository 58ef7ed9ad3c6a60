#include "service/server/runner.h"

#include <grpc/support/log.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/resource_quota.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "google/protobuf/stubs/logging.h"
#include "service/api/call_finisher.h"
#include "service/api/call_gate.h"
#include "service/api/comment_service_handler.h"
#include "service/api/moderation_service_handler.h"
#include "service/audit/redis_audit_log.h"
#include "service/auth/access_policy.h"
#include "service/bans/redis_ban_store.h"
#include "service/captcha/espeak_captcha_audio.h"
#include "service/captcha/freetype_captcha_renderer.h"
#include "service/captcha/redis_captcha_store.h"
#include "service/classifier/spam_classifier.h"
#include "service/comments/redis_comment_repository.h"
#include "service/common/ids.h"
#include "service/common/log.h"
#include "service/common/status_macros.h"
#include "service/crypto/secrets.h"
#include "service/learning/learned_filter.h"
#include "service/metrics/metrics_server.h"
#include "service/metrics/service_metrics.h"
#include "service/pow/redis_cost_ledger.h"
#include "service/ratelimit/limit_keys.h"
#include "service/ratelimit/redis_limit_store.h"
#include "service/retention/redis_retention_store.h"
#include "service/retention/retention_audit.h"
#include "service/retention/retention_sweeper.h"
#include "service/server/listen_address.h"
#include "service/server/redis_options.h"
#include "service/server/secrets_loader.h"
#include "service/server/security.h"
#include "service/server/stall_watchdog.h"
#include "service/spam/redis_spam_memory.h"
#include "service/spam/spam_rules.h"
#include "service/storage/redis/keys.h"
#include "service/storage/redis/redis_client.h"
#include "service/submission/composed_submission_store.h"
#include "service/submission/redis_submission_store.h"

namespace moderation::server {
namespace {

constexpr const char* kCommentService = "moderation.v1.CommentService";
constexpr const char* kModerationService = "moderation.v1.ModerationService";

// Protobuf logs a line per malformed message it meets; anyone could turn that
// into a flood. Keep at most one such line a second.
void InstallProtobufLogHandler() {
  google::protobuf::SetLogHandler([](google::protobuf::LogLevel level, const char* /*file*/,
                                     int /*line*/, const std::string& message) {
    static std::atomic<int64_t> last_second{0};
    const int64_t now = absl::ToUnixSeconds(absl::Now());
    if (last_second.exchange(now) == now) {
      return;
    }
    log::Write(
        level >= google::protobuf::LOGLEVEL_ERROR ? log::Level::kError : log::Level::kWarning,
        "protobuf", {{"detail", message}});
  });
}

// gRPC core writes its own lines raw to stderr, among them header values a
// client chose (newlines and escapes included) and one line per bad call.
// Through our logger they are escaped JSON, at one level, at most a few a
// second.
void InstallGrpcLogHandler() {
  gpr_set_log_function([](gpr_log_func_args* args) {
    static log::Sampler sampler(5);
    if (!sampler.Allow()) {
      return;
    }
    log::Write(log::Level::kWarning, "grpc",
               {{"detail", args->message != nullptr ? args->message : ""},
                {"severity", gpr_log_severity_string(args->severity)}});
  });
}

ratelimit::LimitRule RuleFrom(absl::string_view name, const config::LimitSettings& settings,
                              bool counts_wrong_answers = false) {
  return ratelimit::LimitRule{
      .name = std::string(name),
      .count = settings.count,
      .period = absl::Seconds(settings.period_seconds),
      .burst = settings.burst,
      .shadow = settings.shadow,
      .on_store_error = settings.on_redis_error == "refuse" ? ratelimit::OnStoreError::kRefuse
                                                            : ratelimit::OnStoreError::kAllow,
      .counts_wrong_answers = counts_wrong_answers,
  };
}

log::Level ParseLevel(absl::string_view name) {
  if (name == "debug") {
    return log::Level::kDebug;
  }
  if (name == "warning") {
    return log::Level::kWarning;
  }
  if (name == "error") {
    return log::Level::kError;
  }
  return log::Level::kInfo;
}

// Changes of the Redis connection's serving state, as the client reports
// them on its own thread: it only counts them, so that the client's event
// loop never waits for gRPC.
class ConnectionChanges {
 public:
  void Changed() {
    absl::MutexLock lock(&mutex_);
    ++version_;
  }
  // Waits until a change after `seen`, `Stop`, or `timeout`; returns the
  // latest version.
  uint64_t WaitForChange(uint64_t seen, absl::Duration timeout) {
    absl::MutexLock lock(&mutex_);
    auto changed = [this, seen]()
                       ABSL_SHARED_LOCKS_REQUIRED(mutex_) { return version_ != seen || stopped_; };
    mutex_.AwaitWithTimeout(absl::Condition(&changed), timeout);
    return version_;
  }
  void Stop() {
    absl::MutexLock lock(&mutex_);
    stopped_ = true;
  }
  bool stopped() {
    absl::MutexLock lock(&mutex_);
    return stopped_;
  }

 private:
  absl::Mutex mutex_;
  uint64_t version_ ABSL_GUARDED_BY(mutex_) = 0;
  bool stopped_ ABSL_GUARDED_BY(mutex_) = false;
};

// Keeps the health service in step with the Redis connection: the services
// cannot serve without it. It acts on the client's word at once, both ways;
// the periodic look is only a backstop.
class HealthWatcher {
 public:
  HealthWatcher(grpc::HealthCheckServiceInterface& health, const redis::RedisClient& redis,
                ConnectionChanges& changes)
      : health_(health), redis_(redis), changes_(changes), thread_([this] { Watch(); }) {}

  ~HealthWatcher() {
    changes_.Stop();
    thread_.join();
  }

 private:
  void Watch() {
    bool last = false;
    bool first = true;
    uint64_t seen = 0;
    while (!changes_.stopped()) {
      const bool serving = redis_.IsConnected();
      if (first || serving != last) {
        health_.SetServingStatus(kCommentService, serving);
        health_.SetServingStatus(kModerationService, serving);
        health_.SetServingStatus("", serving);
        if (!first) {
          log::Info(serving ? "health: SERVING" : "health: NOT_SERVING (redis unavailable)");
        }
        last = serving;
        first = false;
      }
      seen = changes_.WaitForChange(seen, absl::Milliseconds(100));
    }
  }

  grpc::HealthCheckServiceInterface& health_;
  const redis::RedisClient& redis_;
  ConnectionChanges& changes_;
  std::thread thread_;
};

// What a file looked like when last seen, to notice it was replaced or
// rewritten (a Kubernetes Secret update swaps a symlink: stat follows it).
struct FileStamp {
  ino_t inode = 0;
  int64_t size = -1;
  int64_t modified_ns = 0;
  friend bool operator==(const FileStamp&, const FileStamp&) = default;
};

FileStamp StampOf(const std::string& path) {
  struct stat status {};
  if (stat(path.c_str(), &status) != 0) {
    return {};
  }
  return {.inode = status.st_ino,
          .size = status.st_size,
          .modified_ns = int64_t{status.st_mtim.tv_sec} * 1'000'000'000 + status.st_mtim.tv_nsec};
}

// The files that a reload reads, watched for changes.
class WatchedFiles {
 public:
  explicit WatchedFiles(std::vector<std::string> paths) {
    for (std::string& path : paths) {
      if (!path.empty()) {
        stamps_.emplace_back(path, StampOf(path));
      }
    }
  }
  // True when any file changed since the last call (or construction).
  bool Changed() {
    bool changed = false;
    for (auto& [path, stamp] : stamps_) {
      const FileStamp now = StampOf(path);
      if (!(now == stamp)) {
        stamp = now;
        changed = true;
      }
    }
    return changed;
  }

 private:
  std::vector<std::pair<std::string, FileStamp>> stamps_;
};

// Waits for SIGTERM or SIGINT. SIGHUP runs `reload` and waits on; so does a
// change of a watched file, looked for every two seconds.
int WaitForShutdownSignal(const std::function<void(absl::string_view trigger)>& reload,
                          WatchedFiles& files) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  const timespec look_every = {2, 0};
  while (true) {
    const int signal_number = sigtimedwait(&signals, nullptr, &look_every);
    if (signal_number < 0) {
      if (errno == EAGAIN && files.Changed()) {
        // A file being written may be caught half done: the checks refuse it
        // and the next look, or SIGHUP, takes the whole one.
        reload("a watched file changed");
      }
      continue;
    }
    if (signal_number == SIGHUP) {
      files.Changed();  // what changed is read now
      reload("SIGHUP");
      continue;
    }
    return signal_number;
  }
}

// Reads the queue gauges from Redis at scrape time (on the metrics thread,
// never a gRPC one), giving up after a short wait.
void WatchQueue(metrics::ServiceMetrics& service_metrics, redis::RedisClient& redis,
                const Clock& clock) {
  service_metrics.queue_pending.SetCallback([&redis]() -> std::optional<double> {
    absl::Notification done;
    auto result = std::make_shared<absl::StatusOr<redis::RedisValue>>(absl::UnknownError(""));
    redis.Execute({"ZCARD", redis::keys::PendingQueue()}, absl::Milliseconds(200),
                  [result, &done](absl::StatusOr<redis::RedisValue> reply) {
                    *result = std::move(reply);
                    done.Notify();
                  });
    done.WaitForNotification();
    if (!result->ok()) {
      return std::nullopt;
    }
    return static_cast<double>((*result)->integer);
  });
  // Flagged comments sort first in the queue, so the oldest pending comment
  // is the older of the first flagged and the first other one.
  service_metrics.queue_oldest_pending_age_seconds.SetCallback([&redis,
                                                                &clock]() -> std::optional<double> {
    std::optional<absl::Time> oldest;
    for (const auto& [from, to] : {std::pair<const char*, const char*>{"[0", "(1"},
                                   std::pair<const char*, const char*>{"[1", "(2"}}) {
      absl::Notification done;
      auto result = std::make_shared<absl::StatusOr<redis::RedisValue>>(absl::UnknownError(""));
      redis.Execute({"ZRANGE", redis::keys::PendingQueue(), from, to, "BYLEX", "LIMIT", "0", "1"},
                    absl::Milliseconds(200),
                    [result, &done](absl::StatusOr<redis::RedisValue> reply) {
                      *result = std::move(reply);
                      done.Notify();
                    });
      done.WaitForNotification();
      if (!result->ok()) {
        return std::nullopt;
      }
      if (!(*result)->elements.empty()) {
        const absl::Time created =
            CommentIdTime(absl::string_view((*result)->elements[0].string).substr(1));
        oldest = oldest ? std::min(*oldest, created) : created;
      }
    }
    if (!oldest) {
      return 0.0;
    }
    return std::max(0.0, absl::ToDoubleSeconds(clock.Now() - *oldest));
  });
}

// What a connection may cost the server, whatever its client does (see
// docs/security.md, "Transport limits").
void ApplyTransportLimits(const config::TransportSettings& transport,
                          grpc::ServerBuilder& builder) {
  const auto milliseconds = [](int64_t value) { return static_cast<int>(value); };
  builder.AddChannelArgument(GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS,
                             milliseconds(transport.handshake_timeout_ms));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS,
                             milliseconds(transport.max_connection_idle_ms));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS,
                             milliseconds(transport.max_connection_age_ms));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
                             milliseconds(transport.max_connection_age_grace_ms));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, milliseconds(transport.keepalive_time_ms));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                             milliseconds(transport.keepalive_timeout_ms));
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             milliseconds(transport.min_client_ping_interval_ms));
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES,
                             static_cast<int>(transport.max_ping_strikes));
  grpc::ResourceQuota quota("moderation-transport");
  quota.Resize(static_cast<std::size_t>(transport.memory_quota_mb) * 1024 * 1024);
  builder.SetResourceQuota(quota);
}

}  // namespace

// The main Redis: one server, or the primary that Sentinels name.
absl::StatusOr<redis::RedisClientOptions> MainRedisOptions(const config::RedisSettings& settings) {
  redis::RedisClientOptions options;
  ASSIGN_OR_RETURN(options.endpoint, redis::ParseRedisUrl(settings.url));
  for (const std::string& address : settings.sentinels) {
    ASSIGN_OR_RETURN(redis::RedisEndpoint sentinel, redis::ParseSentinelAddress(address));
    options.sentinels.push_back(std::move(sentinel));
  }
  options.master_name = settings.master_name;
  options.connect_timeout = absl::Milliseconds(settings.connect_timeout_ms);
  options.command_timeout = absl::Milliseconds(settings.command_timeout_ms);
  options.max_pending_commands = static_cast<std::size_t>(settings.max_pending_commands);
  options.wait_replicas = static_cast<int>(settings.wait_replicas);
  options.wait_timeout = absl::Milliseconds(settings.wait_timeout_ms);
  options.reconnect_max_delay = absl::Milliseconds(settings.reconnect_max_delay_ms);
  return options;
}

namespace {

// The whole of a small file (a model).
absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return absl::NotFoundError(absl::StrCat("cannot read ", path));
  }
  std::ostringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

}  // namespace

void SetUpSignals() {
  // hiredis writes to its sockets without MSG_NOSIGNAL: a write racing Redis's
  // crash would raise SIGPIPE and silently end the whole service. Ignored, the
  // write fails with EPIPE and the connection is dropped and retried instead.
  std::signal(SIGPIPE, SIG_IGN);
  // A process started in the background by a shell inherits SIGINT ignored,
  // and an ignored signal never reaches sigwait: restore the defaults first.
  for (int signal_number : {SIGTERM, SIGINT, SIGHUP}) {
    std::signal(signal_number, SIG_DFL);
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

absl::Status Run(const config::ServerConfig& config, const config::Environment& environment) {
  log::SetMinimumLevel(ParseLevel(config.log_level));
  InstallProtobufLogHandler();
  InstallGrpcLogHandler();

  const bool loopback_only = IsLoopbackAddress(config.listen);
  if (config.dev_reveal_captcha) {
    if (!loopback_only) {
      return absl::FailedPreconditionError(
          "dev_reveal_captcha is for development only and needs a loopback listen address");
    }
    log::Warning("DEVELOPMENT MODE: CreateCaptcha reveals the answer (dev_reveal_captcha)");
  }

  ASSIGN_OR_RETURN(auth::TokenTable tokens, LoadTokens(config.auth));
  const bool tokens_configured = !tokens.empty();
  ASSIGN_OR_RETURN(std::vector<std::string> security_warnings,
                   CheckExposure(config, tokens_configured));
  // TLS from checked copies of the files, replaced on reload.
  std::unique_ptr<ReloadableTls> tls;
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (!config.tls.cert_file.empty()) {
    ASSIGN_OR_RETURN(tls, ReloadableTls::Create(config.tls, security_warnings));
    credentials = tls->credentials();
  }
  for (const std::string& warning : security_warnings) {
    log::Warning(warning);
  }
  auth::AccessPolicy access = tokens_configured ? auth::AccessPolicy::Enforce(std::move(tokens))
                                                : auth::AccessPolicy::AllowAll();

  ASSIGN_OR_RETURN(MasterSecret secret, LoadMasterSecret(environment, loopback_only));
  if (secret.ephemeral) {
    log::Warning(
        "no MODERATION_SECRET_KEY: using a random secret; phone numbers stored now become "
        "unreadable after a restart");
  }
  ASSIGN_OR_RETURN(
      crypto::ServiceKeys keys,
      crypto::DeriveServiceKeys(secret.bytes, config.encryption_key_id, config.decryption_key_ids));

  metrics::MetricsRegistry registry;
  ASSIGN_OR_RETURN(std::unique_ptr<metrics::ServiceMetrics> service_metrics,
                   metrics::ServiceMetrics::Create(registry, MODERATION_VERSION));
  metrics::ServiceMetrics& counted = *service_metrics;
  // What retention removes is counted as it goes (moderation_retention_removed_total).
  ASSIGN_OR_RETURN(
      metrics::CounterFamily * retention_removed,
      registry.AddCounter("moderation_retention_removed_total",
                          "What retention sweeps removed: personal_data (of decided comments, "
                          "after retention.personal_data_days) or pending (comments that waited "
                          "longer than retention.pending_max_age_days).",
                          {"what"}));
  metrics::Counter& personal_data_erased = retention_removed->WithLabels({"personal_data"});
  metrics::Counter& pending_expired = retention_removed->WithLabels({"pending"});
  ASSIGN_OR_RETURN(
      metrics::CounterFamily * retention_unaudited,
      registry.AddCounter("moderation_retention_audit_failures_total",
                          "Retention's erasures (erase) and expiries (expire) whose audit entry "
                          "could not be written; each is logged with the comment id.",
                          {"action"}));
  metrics::Counter& erase_unaudited = retention_unaudited->WithLabels({"erase"});
  metrics::Counter& expire_unaudited = retention_unaudited->WithLabels({"expire"});
  ASSIGN_OR_RETURN(metrics::CounterFamily * stalls,
                   registry.AddCounter("moderation_stalls_total",
                                       "Stalls beyond stall_threshold_ms, by what stalled: "
                                       "redis_loop (the Redis client's event loop) or call "
                                       "(a call in flight).",
                                       {"what"}));
  auto observe_redis = [&counted](absl::string_view result, absl::Duration took) {
    counted.redis_commands.WithLabels({std::string(result)}).Increment();
    if (result == "ok" || result == "error") {
      counted.redis_command_duration_seconds.Observe(absl::ToDoubleSeconds(took));
    }
  };

  ASSIGN_OR_RETURN(redis::RedisClientOptions redis_options, MainRedisOptions(config.redis));
  redis_options.observer = observe_redis;
  ConnectionChanges connection_changes;  // outlives the client, which reports to it
  redis_options.on_serving_change = [&connection_changes](bool /*serving*/) {
    connection_changes.Changed();
  };
  ASSIGN_OR_RETURN(std::unique_ptr<redis::RedisClient> redis,
                   redis::RedisClient::Create(std::move(redis_options)));
  if (!redis->WaitUntilConnected(absl::Milliseconds(config.redis.connect_timeout_ms))) {
    log::Warning("redis not reachable yet; serving NOT_SERVING until it is");
  }

  SystemClock clock;
  crypto::SecureRandom random;
  CommentIdGenerator ids(clock, random);
  captcha::RedisCaptchaStore captcha_store(*redis);
  // The deployment's own captcha style: the public generator does not draw
  // this server's images.
  const std::string captcha_style_secret = crypto::DeriveKey(secret.bytes, "captcha-style");
  ASSIGN_OR_RETURN(std::unique_ptr<captcha::FreeTypeCaptchaRenderer> renderer,
                   captcha::FreeTypeCaptchaRenderer::Create(
                       captcha::StyledCaptchaFontSearchList(captcha_style_secret),
                       captcha::CaptchaStyleFor(captcha_style_secret)));
  std::unique_ptr<captcha::EspeakCaptchaAudio> audio;
  if (config.captcha.audio) {
    ASSIGN_OR_RETURN(audio, captcha::EspeakCaptchaAudio::Create());
  }
  captcha::CaptchaService captchas(captcha_store, *renderer, audio.get(), clock, random,
                                   keys.captcha_key,
                                   {.ttl = absl::Seconds(config.captcha.ttl_seconds),
                                    .length = static_cast<int>(config.captcha.length)});
  // One chain for every writer of the audit log in this process; replicas
  // keep theirs in step through the head in Redis.
  audit::AuditChain audit_chain(keys.audit_key);
  comments::RedisCommentRepository repository(*redis, audit_chain);
  audit::RedisAuditLog audit_log(*redis, audit_chain);

  const config::RateLimitSettings& limits = config.ratelimit;
  ASSIGN_OR_RETURN(ratelimit::AllowList allow_list, ratelimit::AllowList::Parse(limits.allow_list));
  // Limit state may live in a Redis of its own (no fsync needed).
  std::unique_ptr<redis::RedisClient> limits_redis;
  if (!limits.redis_url.empty()) {
    ASSIGN_OR_RETURN(redis::RedisEndpoint limits_endpoint, redis::ParseRedisUrl(limits.redis_url));
    redis::RedisClientOptions limits_options;
    limits_options.endpoint = limits_endpoint;
    limits_options.connect_timeout = absl::Milliseconds(config.redis.connect_timeout_ms);
    limits_options.command_timeout = absl::Milliseconds(config.redis.command_timeout_ms);
    limits_options.max_pending_commands =
        static_cast<std::size_t>(config.redis.max_pending_commands);
    limits_options.observer = observe_redis;
    limits_options.reconnect_max_delay = absl::Milliseconds(config.redis.reconnect_max_delay_ms);
    ASSIGN_OR_RETURN(limits_redis, redis::RedisClient::Create(std::move(limits_options)));
  }
  ratelimit::RedisLimitStore limit_store(limits_redis ? *limits_redis : *redis);
  ratelimit::RateLimiter limiter(
      limit_store, clock,
      {.store_timeout = absl::Milliseconds(limits.redis_timeout_ms), .shadow = limits.shadow});
  ratelimit::RateLimiter* active_limiter = limits.enabled ? &limiter : nullptr;
  if (config.limits.local_client_ip_accepted) {
    log::Warning(
        "loopback and unspecified reader addresses are accepted "
        "(limits.local_client_ip_accepted): for a portal tried out on one machine only");
  }
  if (!config.limits.captcha_client_ip_required) {
    log::Warning(
        "captchas are issued without a reader address (limits.captcha_client_ip_required = "
        "false): the captcha limits then count the portal as one reader");
  }
  if (!limits.enabled) {
    log::Warning("rate limits are off (ratelimit.enabled = false)");
  }
  ASSIGN_OR_RETURN(std::string altcha_key, LoadAltchaKey(environment, secret.bytes));
  pow::Altcha altcha(std::move(altcha_key), clock, random,
                     {.ttl = absl::Seconds(config.captcha.ttl_seconds),
                      .max_lifetime = absl::Seconds(config.pow.max_lifetime_seconds)});
  pow::Altcha* active_altcha = config.pow.enabled ? &altcha : nullptr;
  if (!config.pow.enabled) {
    log::Warning("the proof of work is off (pow.enabled = false)");
  }
  const pow::CostOptions pow_cost{
      .base_maxnumber = config.pow.maxnumber,
      .growth = static_cast<double>(config.pow.growth_percent) / 100.0,
      .max_maxnumber = std::max(config.pow.maxnumber, config.pow.max_maxnumber),
      .half_life = absl::Seconds(config.pow.half_life_seconds)};
  // Refusal scores live with the limits (they are as disposable).
  pow::RedisCostLedger cost_ledger(limits_redis ? *limits_redis : *redis, clock, pow_cost);
  pow::CostLedger* active_ledger =
      config.pow.enabled && config.pow.adaptive ? &cost_ledger : nullptr;
  ASSIGN_OR_RETURN(metrics::CounterFamily * pow_issued,
                   registry.AddCounter("moderation_pow_challenges_total",
                                       "Proof-of-work challenges issued, by cost: how many times "
                                       "the base maxnumber (1, 2-9, 10-99, 100+).",
                                       {"cost"}));
  ASSIGN_OR_RETURN(
      metrics::HistogramFamily * pow_solve,
      registry.AddHistogram("moderation_pow_solve_seconds",
                            "Solve time the client reported for an accepted proof of "
                            "work, by whether its source had recent refusals.",
                            {0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300}, {"source"}));
  const pow::CostObserver pow_observer{
      .issued =
          [pow_issued, base = config.pow.maxnumber](int64_t maxnumber, double) {
            const int64_t times = maxnumber / std::max<int64_t>(1, base);
            pow_issued
                ->WithLabels({times < 2     ? "1"
                              : times < 10  ? "2-9"
                              : times < 100 ? "10-99"
                                            : "100+"})
                .Increment();
          },
      .solved =
          [pow_solve](std::optional<absl::Duration> took, double score) {
            if (took) {
              pow_solve->WithLabels({score > 0 ? "refused" : "fresh"}).ObserveDuration(*took);
            }
          }};
  submission::CaptchaIssuance issuance(
      captchas, active_limiter, keys,
      {.rate_limits = {.ip = RuleFrom("captcha_ip", limits.captcha_ip),
                       .ip_block = RuleFrom("captcha_ip_block", limits.captcha_ip_block),
                       .global = RuleFrom("captcha_global", limits.captcha_global)},
       .allow_list = allow_list,
       .cost = pow_cost,
       .observer = pow_observer},
      active_altcha, active_ledger);
  bans::RedisBanStore ban_store(*redis, clock);

  // Spam scoring: the rules (reloaded on SIGHUP), the memory of recent
  // bodies, and the filter that learns from moderators.
  spam::SpamRules rules;
  if (config.spam.rules_file.empty()) {
    rules = spam::ShippedSpamRules();
    log::Info("spam rules: the built-in copy of deploy/spam-rules.toml (spam.rules_file unset)");
  } else {
    ASSIGN_OR_RETURN(rules, spam::LoadSpamRules(config.spam.rules_file));
    log::Info("spam rules loaded", {{"file", config.spam.rules_file}});
  }
  classifier::SpamClassifier initial_model = classifier::SpamClassifier::Untrained();
  if (!config.spam.model_file.empty()) {
    ASSIGN_OR_RETURN(std::string model_bytes, ReadWholeFile(config.spam.model_file));
    ASSIGN_OR_RETURN(initial_model, classifier::SpamClassifier::Parse(model_bytes));
  }
  learning::LearnedFilter learned_filter(
      *redis, std::move(initial_model),
      {.poll_interval = absl::Milliseconds(config.spam.learning_poll_ms)});
  if (config.spam.enabled) {
    if (absl::Status started = learned_filter.Start(absl::Seconds(5)); !started.ok()) {
      return absl::UnavailableError(
          absl::StrCat("cannot load the learned spam filter: ", started.message()));
    }
  }
  spam::SpamScorer scorer(std::move(rules), &learned_filter);
  spam::RedisSpamMemory spam_memory(*redis, absl::Milliseconds(config.spam.memory_timeout_ms));
  const submission::SpamCheck spam_check = config.spam.enabled
                                               ? submission::SpamCheck{.scorer = &scorer}
                                               : submission::SpamCheck{.scorer = nullptr};
  if (!config.spam.enabled) {
    log::Warning("spam scoring is off (spam.enabled = false)");
  }
  const auto reload_rules = [&config, &scorer] {
    if (config.spam.rules_file.empty()) {
      log::Info("SIGHUP: no spam.rules_file to reload; the built-in rules stay");
      return;
    }
    absl::StatusOr<spam::SpamRules> reloaded = spam::LoadSpamRules(config.spam.rules_file);
    if (!reloaded.ok()) {
      log::Error("spam rules not reloaded; the rules in force are kept",
                 {{"error", std::string(reloaded.status().message())}});
      return;
    }
    scorer.ReplaceRules(*std::move(reloaded));
    log::Info("spam rules reloaded", {{"file", config.spam.rules_file}});
  };

  // A submission is one script on the main Redis, unless limits live in a
  // Redis of their own: then the stores are asked separately (two round trips).
  submission::RedisSubmissionStore one_step_store(*redis);
  submission::ComposedSubmissionStore composed_store(
      captcha_store, repository, &limit_store, &ban_store, &spam_memory,
      {.limit_timeout = absl::Milliseconds(limits.redis_timeout_ms),
       .ban_timeout = absl::Milliseconds(limits.redis_timeout_ms)});
  submission::SubmissionStore& submission_store =
      limits_redis ? static_cast<submission::SubmissionStore&>(composed_store) : one_step_store;
  submission::SubmissionPipeline submissions(
      captchas, submission_store, active_limiter, ids, clock, random, keys,
      {.limits = config.limits,
       .idempotency_ttl = absl::Seconds(config.queue.idempotency_ttl_seconds),
       .rate_limits = {.ip = RuleFrom("submit_ip", limits.submit_ip),
                       .ip_block = RuleFrom("submit_ip_block", limits.submit_ip_block),
                       .phone = RuleFrom("submit_phone", limits.submit_phone),
                       .article = RuleFrom("submit_article", limits.submit_article),
                       .ip_article = RuleFrom("submit_ip_article", limits.submit_ip_article),
                       .global = RuleFrom("submit_global", limits.submit_global),
                       .wrong_answer_ip = RuleFrom("wrong_answer_ip", limits.wrong_answer_ip,
                                                   /*counts_wrong_answers=*/true)},
       .allow_list = allow_list,
       .silent_bans = config.bans.silent},
      spam_check, {.altcha = active_altcha, .ledger = active_ledger, .observer = pow_observer});
  // Moderators' spam rejections raise the cost for the comment's sources.
  DecisionListener* learning_listener = config.spam.enabled ? &learned_filter : nullptr;
  RejectionCost rejection_cost(cost_ledger, privacy::Pseudonymiser(keys.lookup_key),
                               learning_listener);
  DecisionListener* desk_listener = active_ledger != nullptr ? &rejection_cost : learning_listener;
  const PagingLimits paging{.default_page_size = static_cast<int>(config.queue.default_page_size),
                            .max_page_size = static_cast<int>(config.queue.max_page_size)};
  PublicFeed feed(repository, paging, config.limits.article_id_max_bytes);
  ModerationDesk desk(repository, clock,
                      {.paging = paging,
                       .note_max_chars = static_cast<std::size_t>(config.queue.note_max_chars),
                       .claim_ttl = absl::Seconds(config.queue.claim_ttl_seconds),
                       .undo_window = absl::Seconds(config.queue.undo_window_seconds)},
                      desk_listener, &audit_log);
  api::CallGate gate(static_cast<std::size_t>(config.max_in_flight));
  api::CallFinisher finisher(service_metrics.get(), &gate);
  api::CommentServiceHandler comment_service(issuance, submissions, feed, finisher, access,
                                             config.limits,
                                             config.dev_reveal_captcha);
  BanDesk ban_desk(ban_store, repository, clock, keys, paging, &audit_log, &desk);
  AuditDesk audit_desk(audit_log, repository, clock, paging);
  api::ModerationServiceHandler moderation_service(desk, ban_desk, audit_desk, keys.phone_cipher,
                                                   finisher, access);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int bound_port = 0;
  builder.AddListeningPort(config.listen, credentials, &bound_port);
  builder.SetMaxReceiveMessageSize(static_cast<int>(config.max_message_bytes));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             static_cast<int>(config.max_concurrent_streams));
  ApplyTransportLimits(config.transport, builder);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> counting;
  counting.push_back(gate.CountingInterceptorFactory());
  builder.experimental().SetInterceptorCreators(std::move(counting));
  builder.RegisterService(&comment_service);
  builder.RegisterService(&moderation_service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || bound_port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", config.listen));
  }
  log::Info("moderation-server listening",
            {{"address", config.listen},
             {"port", absl::StrCat(bound_port)},
             {"transport", config.tls.cert_file.empty()        ? "plaintext"
                           : config.tls.client_ca_file.empty() ? "tls"
                                                               : "mutual-tls"},
             {"tokens", tokens_configured ? "required" : "off"}});

  WatchQueue(counted, *redis, clock);
  const config::RetentionSettings& kept = config.retention;
  retention::RedisRetentionStore retention_store(*redis);
  const retention::RetentionPolicy retention_policy{
      .personal_data = absl::Hours(24) * kept.personal_data_days,
      .pending_max_age = absl::Hours(24) * kept.pending_max_age_days,
      .interval = absl::Seconds(kept.sweep_interval_seconds),
      .batch = static_cast<int>(kept.sweep_batch),
      .pause = absl::Milliseconds(20)};
  // Every comment retention changes gets its audit entry, written before the
  // next step runs.
  retention::RetentionAuditor retention_auditor(
      audit_log, clock, retention_policy.personal_data, retention_policy.pending_max_age,
      [&erase_unaudited, &expire_unaudited](audit::Action action) {
        (action == audit::Action::kErase ? erase_unaudited : expire_unaudited).Increment();
      });
  retention::RetentionSweeper retention(
      retention_store, clock, retention_policy,
      [&personal_data_erased, &pending_expired,
       &retention_auditor](const retention::SweepStep& step) {
        personal_data_erased.Increment(static_cast<uint64_t>(step.counts.erased));
        pending_expired.Increment(static_cast<uint64_t>(step.counts.expired));
        retention_auditor.Record(step);
      });
  retention.Start();
  std::unique_ptr<metrics::MetricsServer> metrics_server;
  if (!config.metrics_listen.empty()) {
    absl::StatusOr<std::unique_ptr<metrics::MetricsServer>> started =
        metrics::MetricsServer::Start(config.metrics_listen, registry);
    if (!started.ok()) {
      server->Shutdown();
      return started.status();
    }
    metrics_server = *std::move(started);
    log::Info("metrics listening",
              {{"address", config.metrics_listen}, {"port", absl::StrCat(metrics_server->port())}});
  }

  // A stall of the Redis event loop or of a call is logged and counted, never
  // silent.
  StallWatchdog watchdog(
      clock, {.threshold = absl::Milliseconds(config.stall_threshold_ms)},
      [stalls](const std::string& what) { stalls->WithLabels({what}).Increment(); });
  stalls->WithLabels({"redis_loop"});
  stalls->WithLabels({"call"});
  watchdog.Watch("redis_loop", [&redis] { return redis->LastLoopTick(); });
  if (limits_redis) {
    stalls->WithLabels({"limits_redis_loop"});
    watchdog.Watch("limits_redis_loop", [&limits_redis] { return limits_redis->LastLoopTick(); });
  }
  watchdog.Watch("call", [&gate] { return gate.OldestCallStart(); });
  watchdog.Start();

  int signal_number = 0;
  {
    HealthWatcher health(*server->GetHealthCheckService(), *redis, connection_changes);
    // Reloads change what new calls and connections see; calls in flight
    // finish with what they started with. A bad file changes nothing.
    const auto reload = [&](absl::string_view trigger) {
      log::Info("reloading rules, tokens and certificates", {{"trigger", trigger}});
      reload_rules();
      if (tokens_configured) {
        absl::StatusOr<auth::TokenTable> reloaded = LoadTokens(config.auth);
        absl::Status replaced =
            reloaded.ok() ? access.ReplaceTokens(*std::move(reloaded)) : reloaded.status();
        if (replaced.ok()) {
          log::Info("tokens reloaded");
        } else {
          log::Error("tokens not reloaded; the tokens in force are kept",
                     {{"error", replaced.message()}});
        }
      }
      if (tls != nullptr) {
        std::vector<std::string> warnings;
        if (absl::Status reloaded = tls->Reload(warnings); reloaded.ok()) {
          log::Info("TLS certificate reloaded", {{"file", config.tls.cert_file}});
        } else {
          log::Error("TLS certificate not reloaded; the certificate in force is kept",
                     {{"error", reloaded.message()}});
        }
        for (const std::string& warning : warnings) {
          log::Warning(warning);
        }
      }
    };
    WatchedFiles files({config.spam.rules_file, config.auth.tokens_file, config.tls.cert_file,
                        config.tls.key_file, config.tls.client_ca_file});
    signal_number = WaitForShutdownSignal(reload, files);
  }
  log::Info("shutting down", {{"signal", strsignal(signal_number)},
                              {"grace_seconds", absl::StrCat(config.shutdown_grace_seconds)}});
  const absl::Time grace_deadline = absl::Now() + absl::Seconds(config.shutdown_grace_seconds);
  // Probes see NOT_SERVING first; then every new call is refused with
  // UNAVAILABLE while the calls in flight finish.
  server->GetHealthCheckService()->Shutdown();
  gate.StartDraining();
  const bool drained = gate.WaitUntilIdle(grace_deadline);
  if (!drained) {
    log::Warning("grace period over: cancelling the calls still in flight",
                 {{"calls", absl::StrCat(gate.in_flight())}});
  }
  // Nothing is left to wait for: gRPC's own grace period would also wait for
  // idle client connections to close, which clients need not ever do.
  server->Shutdown(std::chrono::system_clock::now());
  server->Wait();
  learned_filter.Stop();
  retention.Stop();
  watchdog.Stop();
  if (metrics_server) {
    metrics_server->Stop();
  }
  // Whatever is left of the grace period, but never nothing: commands
  // already sent get a moment to be answered.
  const absl::Duration redis_drain =
      std::clamp(grace_deadline - absl::Now(), absl::Milliseconds(100), absl::Seconds(1));
  redis->Shutdown(redis_drain);
  if (limits_redis) {
    limits_redis->Shutdown(absl::Milliseconds(100));
  }
  log::Info("stopped");
  return absl::OkStatus();
}

}  // namespace moderation::server
