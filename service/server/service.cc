#include "service/server/service.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>

#include "absl/strings/str_cat.h"
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
#include "service/server/serving.h"
#include "service/server/stall_watchdog.h"
#include "service/spam/redis_spam_memory.h"
#include "service/spam/spam_rules.h"
#include "service/storage/redis/redis_client.h"
#include "service/submission/composed_submission_store.h"
#include "service/submission/redis_submission_store.h"

namespace moderation::server {
namespace {

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

// Everything the service is made of, as members in the order they are built:
// each refers only to members above it, and they are destroyed in reverse.
// Each Build step is one concern; Create runs them top-down.
class Service::Parts {
 public:
  explicit Parts(const config::ServerConfig& settings) : config(settings) {}

  absl::Status BuildSecurity(const config::Environment& environment);
  absl::Status BuildObservability();
  absl::Status BuildRedis();
  absl::Status BuildCaptcha();
  absl::Status BuildLimits();
  absl::Status BuildProofOfWork(const config::Environment& environment);
  absl::Status BuildSpam();
  void BuildSubmissions();
  void BuildDesks();
  void BuildApi();

  absl::Status Serve();
  void Reload(absl::string_view trigger);
  void Shutdown(absl::Duration grace);

  const config::ServerConfig config;

  // Who may call, over what transport, and the keys of the data at rest.
  bool tokens_configured = false;
  std::unique_ptr<ReloadableTls> tls;
  std::shared_ptr<grpc::ServerCredentials> credentials;
  std::optional<auth::AccessPolicy> access;
  MasterSecret secret;
  std::optional<crypto::ServiceKeys> keys;  // set by BuildSecurity

  // Metrics, and the counters components are handed.
  metrics::MetricsRegistry registry;
  std::unique_ptr<metrics::ServiceMetrics> service_metrics;
  metrics::Counter* personal_data_erased = nullptr;
  metrics::Counter* pending_expired = nullptr;
  metrics::Counter* erase_unaudited = nullptr;
  metrics::Counter* expire_unaudited = nullptr;
  metrics::CounterFamily* stalls = nullptr;

  // Redis: the main one, and the one limits may live in.
  ConnectionChanges connection_changes;  // outlives the clients, which report to it
  std::unique_ptr<redis::RedisClient> redis;
  std::unique_ptr<redis::RedisClient> limits_redis;
  redis::RedisClient& LimitsRedis() { return limits_redis ? *limits_redis : *redis; }

  SystemClock clock;
  crypto::SecureRandom random;
  std::unique_ptr<CommentIdGenerator> ids;

  // Captchas, comments and the audit log.
  std::unique_ptr<captcha::RedisCaptchaStore> captcha_store;
  std::unique_ptr<captcha::FreeTypeCaptchaRenderer> renderer;
  std::unique_ptr<captcha::EspeakCaptchaAudio> audio;
  std::unique_ptr<captcha::CaptchaService> captchas;
  std::unique_ptr<audit::AuditChain> audit_chain;
  std::unique_ptr<comments::RedisCommentRepository> repository;
  std::unique_ptr<audit::RedisAuditLog> audit_log;

  // Rate limits and bans.
  std::optional<ratelimit::AllowList> allow_list;
  std::unique_ptr<ratelimit::RedisLimitStore> limit_store;
  std::unique_ptr<ratelimit::RateLimiter> limiter;
  ratelimit::RateLimiter* active_limiter = nullptr;  // null when limits are off
  std::unique_ptr<bans::RedisBanStore> ban_store;

  // The proof of work and what it costs each source.
  std::unique_ptr<pow::Altcha> altcha;
  pow::Altcha* active_altcha = nullptr;  // null when it is off
  pow::CostOptions pow_cost;
  pow::CostObserver pow_observer;
  std::unique_ptr<pow::RedisCostLedger> cost_ledger;
  pow::CostLedger* active_ledger = nullptr;  // null unless the cost adapts

  // Spam scoring: the rules, the filter that learns, the memory of bodies.
  std::unique_ptr<learning::LearnedFilter> learned_filter;
  std::unique_ptr<spam::SpamScorer> scorer;
  std::unique_ptr<spam::RedisSpamMemory> spam_memory;

  // The two ways in: captchas issued, comments submitted.
  std::unique_ptr<submission::CaptchaIssuance> issuance;
  std::unique_ptr<submission::RedisSubmissionStore> one_step_store;
  std::unique_ptr<submission::ComposedSubmissionStore> composed_store;
  std::unique_ptr<submission::SubmissionPipeline> submissions;

  // What readers and moderators see and do.
  PagingLimits paging;
  std::unique_ptr<RejectionCost> rejection_cost;
  std::unique_ptr<FeedCache> feed_cache;  // null when queue.feed_cache_refresh_ms is 0
  std::unique_ptr<PublicFeed> feed;
  std::unique_ptr<ModerationDesk> desk;
  std::unique_ptr<BanDesk> ban_desk;
  std::unique_ptr<AuditDesk> audit_desk;

  // The gRPC edge.
  std::unique_ptr<api::CallGate> gate;
  std::unique_ptr<api::CallFinisher> finisher;
  std::unique_ptr<api::CommentServiceHandler> comment_service;
  std::unique_ptr<api::ModerationServiceHandler> moderation_service;

  // Started by Serve.
  std::unique_ptr<grpc::Server> server;
  int port = 0;
  std::unique_ptr<retention::RedisRetentionStore> retention_store;
  std::unique_ptr<retention::RetentionAuditor> retention_auditor;
  std::unique_ptr<retention::RetentionSweeper> retention;
  std::unique_ptr<metrics::MetricsServer> metrics_server;
  std::unique_ptr<StallWatchdog> watchdog;
  std::unique_ptr<Periodic> feed_refresh;
  std::unique_ptr<HealthWatcher> health;
  bool stopped = false;
};

absl::Status Service::Parts::BuildSecurity(const config::Environment& environment) {
  log::SetMinimumLevel(ParseLevel(config.log_level));
  RouteLibraryLogsThroughOurs();

  const bool loopback_only = IsLoopbackAddress(config.listen);
  if (config.dev_reveal_captcha) {
    if (!loopback_only) {
      return absl::FailedPreconditionError(
          "dev_reveal_captcha is for development only and needs a loopback listen address");
    }
    log::Warning("DEVELOPMENT MODE: CreateCaptcha reveals the answer (dev_reveal_captcha)");
  }

  ASSIGN_OR_RETURN(auth::TokenTable tokens, LoadTokens(config.auth));
  tokens_configured = !tokens.empty();
  ASSIGN_OR_RETURN(std::vector<std::string> security_warnings,
                   CheckExposure(config, tokens_configured));
  // TLS from checked copies of the files, replaced on reload.
  credentials = grpc::InsecureServerCredentials();
  if (!config.tls.cert_file.empty()) {
    ASSIGN_OR_RETURN(tls, ReloadableTls::Create(config.tls, security_warnings));
    credentials = tls->credentials();
  }
  for (const std::string& warning : security_warnings) {
    log::Warning(warning);
  }
  access.emplace(tokens_configured ? auth::AccessPolicy::Enforce(std::move(tokens))
                                   : auth::AccessPolicy::AllowAll());

  ASSIGN_OR_RETURN(secret, LoadMasterSecret(environment, loopback_only));
  if (secret.ephemeral) {
    log::Warning(
        "no MODERATION_SECRET_KEY: using a random secret; phone numbers stored now become "
        "unreadable after a restart");
  }
  ASSIGN_OR_RETURN(keys, crypto::DeriveServiceKeys(secret.bytes, config.encryption_key_id,
                                                   config.decryption_key_ids));
  return absl::OkStatus();
}

absl::Status Service::Parts::BuildObservability() {
  ASSIGN_OR_RETURN(service_metrics, metrics::ServiceMetrics::Create(registry, MODERATION_VERSION));
  // What retention removes is counted as it goes (moderation_retention_removed_total).
  ASSIGN_OR_RETURN(
      metrics::CounterFamily * retention_removed,
      registry.AddCounter("moderation_retention_removed_total",
                          "What retention sweeps removed: personal_data (of decided comments, "
                          "after retention.personal_data_days) or pending (comments that waited "
                          "longer than retention.pending_max_age_days).",
                          {"what"}));
  personal_data_erased = &retention_removed->WithLabels({"personal_data"});
  pending_expired = &retention_removed->WithLabels({"pending"});
  ASSIGN_OR_RETURN(
      metrics::CounterFamily * retention_unaudited,
      registry.AddCounter("moderation_retention_audit_failures_total",
                          "Retention's erasures (erase) and expiries (expire) whose audit entry "
                          "could not be written; each is logged with the comment id.",
                          {"action"}));
  erase_unaudited = &retention_unaudited->WithLabels({"erase"});
  expire_unaudited = &retention_unaudited->WithLabels({"expire"});
  ASSIGN_OR_RETURN(stalls, registry.AddCounter("moderation_stalls_total",
                                               "Stalls beyond stall_threshold_ms, by what stalled: "
                                               "redis_loop (the Redis client's event loop) or call "
                                               "(a call in flight).",
                                               {"what"}));
  return absl::OkStatus();
}

absl::Status Service::Parts::BuildRedis() {
  metrics::ServiceMetrics& counted = *service_metrics;
  auto observe_redis = [&counted](absl::string_view result, absl::Duration took) {
    counted.redis_commands.WithLabels({std::string(result)}).Increment();
    if (result == "ok" || result == "error") {
      counted.redis_command_duration_seconds.Observe(absl::ToDoubleSeconds(took));
    }
  };
  ASSIGN_OR_RETURN(redis::RedisClientOptions redis_options, MainRedisOptions(config.redis));
  redis_options.observer = observe_redis;
  redis_options.on_serving_change = [this](bool /*serving*/) { connection_changes.Changed(); };
  ASSIGN_OR_RETURN(redis, redis::RedisClient::Create(std::move(redis_options)));
  if (!redis->WaitUntilConnected(absl::Milliseconds(config.redis.connect_timeout_ms))) {
    log::Warning("redis not reachable yet; serving NOT_SERVING until it is");
  }
  // Limit state may live in a Redis of its own (no fsync needed).
  if (!config.ratelimit.redis_url.empty()) {
    redis::RedisClientOptions limits_options;
    ASSIGN_OR_RETURN(limits_options.endpoint, redis::ParseRedisUrl(config.ratelimit.redis_url));
    limits_options.connect_timeout = absl::Milliseconds(config.redis.connect_timeout_ms);
    limits_options.command_timeout = absl::Milliseconds(config.redis.command_timeout_ms);
    limits_options.max_pending_commands =
        static_cast<std::size_t>(config.redis.max_pending_commands);
    limits_options.observer = observe_redis;
    limits_options.reconnect_max_delay = absl::Milliseconds(config.redis.reconnect_max_delay_ms);
    ASSIGN_OR_RETURN(limits_redis, redis::RedisClient::Create(std::move(limits_options)));
  }
  ids = std::make_unique<CommentIdGenerator>(clock, random);
  return absl::OkStatus();
}

absl::Status Service::Parts::BuildCaptcha() {
  captcha_store = std::make_unique<captcha::RedisCaptchaStore>(*redis);
  // The deployment's own captcha style: the public generator does not draw
  // this server's images.
  const std::string captcha_style_secret = crypto::DeriveKey(secret.bytes, "captcha-style");
  ASSIGN_OR_RETURN(renderer, captcha::FreeTypeCaptchaRenderer::Create(
                                 captcha::StyledCaptchaFontSearchList(captcha_style_secret),
                                 captcha::CaptchaStyleFor(captcha_style_secret)));
  if (config.captcha.audio) {
    ASSIGN_OR_RETURN(audio, captcha::EspeakCaptchaAudio::Create());
  }
  captchas = std::make_unique<captcha::CaptchaService>(
      *captcha_store, *renderer, audio.get(), clock, random, keys->captcha_key,
      captcha::CaptchaOptions{.ttl = absl::Seconds(config.captcha.ttl_seconds),
                              .length = static_cast<int>(config.captcha.length)});
  // One chain for every writer of the audit log in this process; replicas
  // keep theirs in step through the head in Redis.
  audit_chain = std::make_unique<audit::AuditChain>(keys->audit_key);
  repository = std::make_unique<comments::RedisCommentRepository>(*redis, *audit_chain);
  audit_log = std::make_unique<audit::RedisAuditLog>(*redis, *audit_chain);
  return absl::OkStatus();
}

absl::Status Service::Parts::BuildLimits() {
  const config::RateLimitSettings& limits = config.ratelimit;
  ASSIGN_OR_RETURN(allow_list, ratelimit::AllowList::Parse(limits.allow_list));
  limit_store = std::make_unique<ratelimit::RedisLimitStore>(LimitsRedis());
  limiter = std::make_unique<ratelimit::RateLimiter>(
      *limit_store, clock,
      ratelimit::LimiterOptions{.store_timeout = absl::Milliseconds(limits.redis_timeout_ms),
                                .shadow = limits.shadow});
  active_limiter = limits.enabled ? limiter.get() : nullptr;
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
  ban_store = std::make_unique<bans::RedisBanStore>(*redis, clock);
  return absl::OkStatus();
}

absl::Status Service::Parts::BuildProofOfWork(const config::Environment& environment) {
  ASSIGN_OR_RETURN(std::string altcha_key, LoadAltchaKey(environment, secret.bytes));
  // Checked with the settings: one of the three names.
  const pow::PowAlgorithm algorithm =
      pow::ParsePowAlgorithm(config.pow.algorithm).value_or(pow::PowAlgorithm::kSha256);
  altcha = std::make_unique<pow::Altcha>(
      std::move(altcha_key), clock, random,
      pow::AltchaOptions{.ttl = absl::Seconds(config.captcha.ttl_seconds),
                         .max_lifetime = absl::Seconds(config.pow.max_lifetime_seconds),
                         .algorithm = algorithm,
                         .pbkdf2_iterations = config.pow.pbkdf2_iterations,
                         .scrypt_n = config.pow.scrypt_n,
                         .scrypt_r = config.pow.scrypt_r,
                         .scrypt_p = config.pow.scrypt_p});
  active_altcha = config.pow.enabled ? altcha.get() : nullptr;
  if (!config.pow.enabled) {
    log::Warning("the proof of work is off (pow.enabled = false)");
  }
  // A KDF attempt costs what thousands of SHA-256 hashes do: its own base,
  // capped at the same multiple of it as SHA-256's cap is of its base.
  const int64_t base = algorithm == pow::PowAlgorithm::kPbkdf2   ? config.pow.pbkdf2_counter_range
                       : algorithm == pow::PowAlgorithm::kScrypt ? config.pow.scrypt_counter_range
                                                                 : config.pow.maxnumber;
  const double cap_multiple =
      static_cast<double>(std::max(config.pow.maxnumber, config.pow.max_maxnumber)) /
      static_cast<double>(config.pow.maxnumber);
  pow_cost = pow::CostOptions{.base_maxnumber = base,
                              .growth = static_cast<double>(config.pow.growth_percent) / 100.0,
                              .max_maxnumber = static_cast<int64_t>(
                                  std::min(static_cast<double>(base) * cap_multiple, 1e12)),
                              .half_life = absl::Seconds(config.pow.half_life_seconds)};
  // Refusal scores live with the limits (they are as disposable).
  cost_ledger = std::make_unique<pow::RedisCostLedger>(LimitsRedis(), clock, pow_cost);
  active_ledger = config.pow.enabled && config.pow.adaptive ? cost_ledger.get() : nullptr;
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
  pow_observer = pow::CostObserver{
      .issued =
          [pow_issued, base](int64_t maxnumber, double) {
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
  return absl::OkStatus();
}

absl::Status Service::Parts::BuildSpam() {
  // The rules (reloaded on SIGHUP), the memory of recent bodies, and the
  // filter that learns from moderators.
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
  learned_filter = std::make_unique<learning::LearnedFilter>(
      *redis, std::move(initial_model),
      learning::LearningOptions{.poll_interval = absl::Milliseconds(config.spam.learning_poll_ms)});
  if (config.spam.enabled) {
    if (absl::Status started = learned_filter->Start(absl::Seconds(5)); !started.ok()) {
      return absl::UnavailableError(
          absl::StrCat("cannot load the learned spam filter: ", started.message()));
    }
  } else {
    log::Warning("spam scoring is off (spam.enabled = false)");
  }
  scorer = std::make_unique<spam::SpamScorer>(std::move(rules), learned_filter.get());
  spam_memory = std::make_unique<spam::RedisSpamMemory>(
      *redis, absl::Milliseconds(config.spam.memory_timeout_ms), clock);
  return absl::OkStatus();
}

void Service::Parts::BuildSubmissions() {
  const config::RateLimitSettings& limits = config.ratelimit;
  issuance = std::make_unique<submission::CaptchaIssuance>(
      *captchas, active_limiter, *keys,
      submission::IssuanceOptions{
          .rate_limits = {.ip = RuleFrom("captcha_ip", limits.captcha_ip),
                          .ip_block = RuleFrom("captcha_ip_block", limits.captcha_ip_block),
                          .global = RuleFrom("captcha_global", limits.captcha_global)},
          .allow_list = *allow_list,
          .cost = pow_cost,
          .observer = pow_observer},
      active_altcha, active_ledger);
  // A submission is one script on the main Redis, unless limits live in a
  // Redis of their own: then the stores are asked separately (two round trips).
  one_step_store = std::make_unique<submission::RedisSubmissionStore>(*redis);
  composed_store = std::make_unique<submission::ComposedSubmissionStore>(
      *captcha_store, *repository, limit_store.get(), ban_store.get(), spam_memory.get(),
      submission::ComposedStoreOptions{.limit_timeout = absl::Milliseconds(limits.redis_timeout_ms),
                                       .ban_timeout = absl::Milliseconds(limits.redis_timeout_ms)});
  submission::SubmissionStore& submission_store =
      limits_redis ? static_cast<submission::SubmissionStore&>(*composed_store) : *one_step_store;
  submissions = std::make_unique<submission::SubmissionPipeline>(
      *captchas, submission_store, active_limiter, *ids, clock, random, *keys,
      submission::SubmissionOptions{
          .limits = config.limits,
          .idempotency_ttl = absl::Seconds(config.queue.idempotency_ttl_seconds),
          .rate_limits = {.ip = RuleFrom("submit_ip", limits.submit_ip),
                          .ip_block = RuleFrom("submit_ip_block", limits.submit_ip_block),
                          .phone = RuleFrom("submit_phone", limits.submit_phone),
                          .article = RuleFrom("submit_article", limits.submit_article),
                          .ip_article = RuleFrom("submit_ip_article", limits.submit_ip_article),
                          .global = RuleFrom("submit_global", limits.submit_global),
                          .wrong_answer_ip = RuleFrom("wrong_answer_ip", limits.wrong_answer_ip,
                                                      /*counts_wrong_answers=*/true)},
          .allow_list = *allow_list,
          .silent_bans = config.bans.silent},
      config.spam.enabled ? submission::SpamCheck{.scorer = scorer.get()}
                          : submission::SpamCheck{.scorer = nullptr},
      submission::ProofOfWorkCheck{
          .altcha = active_altcha, .ledger = active_ledger, .observer = pow_observer});
}

void Service::Parts::BuildDesks() {
  // Moderators' decisions teach the learned filter, and their spam
  // rejections raise the proof-of-work cost for the comment's sources.
  DecisionListener* learning_listener = config.spam.enabled ? learned_filter.get() : nullptr;
  rejection_cost = std::make_unique<RejectionCost>(
      *cost_ledger, privacy::Pseudonymiser(keys->lookup_key), learning_listener);
  DecisionListener* desk_listener =
      active_ledger != nullptr ? rejection_cost.get() : learning_listener;
  paging = PagingLimits{.default_page_size = static_cast<int>(config.queue.default_page_size),
                        .max_page_size = static_cast<int>(config.queue.max_page_size)};
  // Readers' article pages, answered from memory while no approved list
  // changed (see FeedCache); Serve keeps its version fresh.
  if (config.queue.feed_cache_refresh_ms > 0) {
    const absl::Duration refresh = absl::Milliseconds(config.queue.feed_cache_refresh_ms);
    feed_cache = std::make_unique<FeedCache>(
        clock,
        FeedCache::Options{.max_bytes = static_cast<std::size_t>(config.queue.feed_cache_mb) << 20,
                           .max_version_age = 4 * refresh + absl::Milliseconds(500)});
  }
  feed = std::make_unique<PublicFeed>(*repository, paging, config.limits.article_id_max_bytes,
                                      feed_cache.get());
  desk = std::make_unique<ModerationDesk>(
      *repository, clock,
      DeskOptions{.paging = paging,
                  .note_max_chars = static_cast<std::size_t>(config.queue.note_max_chars),
                  .claim_ttl = absl::Seconds(config.queue.claim_ttl_seconds),
                  .undo_window = absl::Seconds(config.queue.undo_window_seconds)},
      desk_listener, audit_log.get(), feed_cache.get());
  ban_desk = std::make_unique<BanDesk>(*ban_store, *repository, clock, *keys, paging,
                                       audit_log.get(), desk.get());
  audit_desk = std::make_unique<AuditDesk>(*audit_log, *repository, clock, paging);
}

void Service::Parts::BuildApi() {
  gate = std::make_unique<api::CallGate>(static_cast<std::size_t>(config.max_in_flight));
  finisher = std::make_unique<api::CallFinisher>(service_metrics.get(), gate.get());
  comment_service = std::make_unique<api::CommentServiceHandler>(
      *issuance, *submissions, *feed, *finisher, *access, config.limits, config.dev_reveal_captcha);
  moderation_service = std::make_unique<api::ModerationServiceHandler>(
      *desk, *ban_desk, *audit_desk, keys->phone_cipher, *finisher, *access);
}

absl::Status Service::Parts::Serve() {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(config.listen, credentials, &port);
  builder.SetMaxReceiveMessageSize(static_cast<int>(config.max_message_bytes));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             static_cast<int>(config.max_concurrent_streams));
  ApplyTransportLimits(config.transport, builder);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> counting;
  counting.push_back(gate->CountingInterceptorFactory());
  builder.experimental().SetInterceptorCreators(std::move(counting));
  builder.RegisterService(comment_service.get());
  builder.RegisterService(moderation_service.get());
  server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", config.listen));
  }
  log::Info("moderation-server listening",
            {{"address", config.listen},
             {"port", absl::StrCat(port)},
             {"transport", config.tls.cert_file.empty()        ? "plaintext"
                           : config.tls.client_ca_file.empty() ? "tls"
                                                               : "mutual-tls"},
             {"tokens", tokens_configured ? "required" : "off"}});

  WatchQueue(*service_metrics, *redis, clock);
  const config::RetentionSettings& kept = config.retention;
  retention_store = std::make_unique<retention::RedisRetentionStore>(*redis);
  const retention::RetentionPolicy retention_policy{
      .personal_data = absl::Hours(24) * kept.personal_data_days,
      .pending_max_age = absl::Hours(24) * kept.pending_max_age_days,
      .interval = absl::Seconds(kept.sweep_interval_seconds),
      .batch = static_cast<int>(kept.sweep_batch),
      .pause = absl::Milliseconds(20)};
  // Every comment retention changes gets its audit entry, written before the
  // next step runs.
  retention_auditor = std::make_unique<retention::RetentionAuditor>(
      *audit_log, clock, retention_policy.personal_data, retention_policy.pending_max_age,
      [this](audit::Action action) {
        (action == audit::Action::kErase ? *erase_unaudited : *expire_unaudited).Increment();
      });
  retention = std::make_unique<retention::RetentionSweeper>(
      *retention_store, clock, retention_policy, [this](const retention::SweepStep& step) {
        personal_data_erased->Increment(static_cast<uint64_t>(step.counts.erased));
        pending_expired->Increment(static_cast<uint64_t>(step.counts.expired));
        retention_auditor->Record(step);
      });
  retention->Start();
  if (!config.metrics_listen.empty()) {
    absl::StatusOr<std::unique_ptr<metrics::MetricsServer>> started =
        metrics::MetricsServer::Start(config.metrics_listen, registry);
    if (!started.ok()) {
      return started.status();
    }
    metrics_server = *std::move(started);
    log::Info("metrics listening",
              {{"address", config.metrics_listen}, {"port", absl::StrCat(metrics_server->port())}});
  }

  // A stall of the Redis event loop or of a call is logged and counted, never
  // silent.
  watchdog = std::make_unique<StallWatchdog>(
      clock, StallWatchdog::Options{.threshold = absl::Milliseconds(config.stall_threshold_ms)},
      [this](const std::string& what) { stalls->WithLabels({what}).Increment(); });
  stalls->WithLabels({"redis_loop"});
  stalls->WithLabels({"call"});
  watchdog->Watch("redis_loop", [this] { return redis->LastLoopTick(); });
  if (limits_redis) {
    stalls->WithLabels({"limits_redis_loop"});
    watchdog->Watch("limits_redis_loop", [this] { return limits_redis->LastLoopTick(); });
  }
  watchdog->Watch("call", [this] { return gate->OldestCallStart(); });
  watchdog->Start();
  if (feed_cache != nullptr) {
    feed->RefreshVersion();
    feed_refresh = std::make_unique<Periodic>(
        absl::Milliseconds(config.queue.feed_cache_refresh_ms), [this] { feed->RefreshVersion(); });
  }
  health =
      std::make_unique<HealthWatcher>(*server->GetHealthCheckService(), *redis, connection_changes);
  return absl::OkStatus();
}

void Service::Parts::Reload(absl::string_view trigger) {
  log::Info("reloading rules, tokens and certificates", {{"trigger", trigger}});
  if (config.spam.rules_file.empty()) {
    log::Info("no spam.rules_file to reload; the built-in rules stay");
  } else if (absl::StatusOr<spam::SpamRules> reloaded = spam::LoadSpamRules(config.spam.rules_file);
             reloaded.ok()) {
    scorer->ReplaceRules(*std::move(reloaded));
    log::Info("spam rules reloaded", {{"file", config.spam.rules_file}});
  } else {
    log::Error("spam rules not reloaded; the rules in force are kept",
               {{"error", std::string(reloaded.status().message())}});
  }
  if (tokens_configured) {
    absl::StatusOr<auth::TokenTable> reloaded = LoadTokens(config.auth);
    absl::Status replaced =
        reloaded.ok() ? access->ReplaceTokens(*std::move(reloaded)) : reloaded.status();
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
}

void Service::Parts::Shutdown(absl::Duration grace) {
  if (stopped) {
    return;
  }
  stopped = true;
  const absl::Time grace_deadline = absl::Now() + grace;
  health.reset();
  if (server != nullptr) {
    // Probes see NOT_SERVING first; then every new call is refused with
    // UNAVAILABLE while the calls in flight finish.
    server->GetHealthCheckService()->Shutdown();
    gate->StartDraining();
    if (!gate->WaitUntilIdle(grace_deadline)) {
      log::Warning("grace period over: cancelling the calls still in flight",
                   {{"calls", absl::StrCat(gate->in_flight())}});
    }
    // Nothing is left to wait for: gRPC's own grace period would also wait
    // for idle client connections to close, which clients need not ever do.
    server->Shutdown(std::chrono::system_clock::now());
    server->Wait();
  }
  feed_refresh.reset();
  if (learned_filter != nullptr) {
    learned_filter->Stop();
  }
  if (retention != nullptr) {
    retention->Stop();
  }
  if (watchdog != nullptr) {
    watchdog->Stop();
  }
  if (metrics_server != nullptr) {
    metrics_server->Stop();
  }
  // Whatever is left of the grace period, but never nothing: commands
  // already sent get a moment to be answered.
  if (redis != nullptr) {
    redis->Shutdown(
        std::clamp(grace_deadline - absl::Now(), absl::Milliseconds(100), absl::Seconds(1)));
  }
  if (limits_redis != nullptr) {
    limits_redis->Shutdown(absl::Milliseconds(100));
  }
}

Service::Service(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Service::~Service() { parts_->Shutdown(absl::ZeroDuration()); }

absl::StatusOr<std::unique_ptr<Service>> Service::Create(const config::ServerConfig& config,
                                                         const config::Environment& environment) {
  auto parts = std::make_unique<Parts>(config);
  // On an error the parts built so far are stopped by the Service's destructor.
  std::unique_ptr<Service> service(new Service(std::move(parts)));
  Parts& p = *service->parts_;
  RETURN_IF_ERROR(p.BuildSecurity(environment));
  RETURN_IF_ERROR(p.BuildObservability());
  RETURN_IF_ERROR(p.BuildRedis());
  RETURN_IF_ERROR(p.BuildCaptcha());
  RETURN_IF_ERROR(p.BuildLimits());
  RETURN_IF_ERROR(p.BuildProofOfWork(environment));
  RETURN_IF_ERROR(p.BuildSpam());
  p.BuildSubmissions();
  p.BuildDesks();
  p.BuildApi();
  return service;
}

absl::Status Service::Serve() { return parts_->Serve(); }

int Service::port() const { return parts_->port; }

void Service::Reload(absl::string_view trigger) { parts_->Reload(trigger); }

void Service::Shutdown(absl::Duration grace) { parts_->Shutdown(grace); }

}  // namespace moderation::server
