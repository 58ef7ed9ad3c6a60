#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "service/validation/submission_fields.h"

namespace moderation::config {

struct RedisSettings {
  // "redis://host:port[/db]" or "unix:///path/to/redis.sock".
  std::string url = "redis://127.0.0.1:6379";
  int64_t connect_timeout_ms = 1000;
  // A command without a reply after this long fails with UNAVAILABLE and the
  // connection is re-established.
  int64_t command_timeout_ms = 1000;
  // Commands queued or in flight beyond this are refused at once.
  int64_t max_pending_commands = 10000;
  // High availability: "host:port" of each Sentinel, and the name they know
  // the primary by. When set, `url` only gives the database.
  std::vector<std::string> sentinels;
  std::string master_name;
  // Acknowledge a comment or a decision only once this many replicas have it
  // (WAIT, up to wait_timeout_ms; past it, UNAVAILABLE). 0: once the primary
  // has it.
  int64_t wait_replicas = 0;
  int64_t wait_timeout_ms = 100;
  // While Redis is away, connection attempts are spaced from 50 ms, doubling
  // up to this: it bounds how long service takes to resume once Redis is back.
  int64_t reconnect_max_delay_ms = 200;
};

struct CaptchaSettings {
  int64_t ttl_seconds = 300;
  int64_t length = 5;
  // Spoken captchas (espeak-ng, Vietnamese voice); the server will not start
  // without the voice unless this is off.
  bool audio = true;
};

// The ALTCHA-compatible proof of work asked with each captcha.
struct ProofOfWorkSettings {
  // SubmitComment requires a solved challenge (`altcha_payload`).
  bool enabled = true;
  // The challenge's maxnumber for a source with no recent refusals: a client
  // tries maxnumber / 2 SHA-256 hashes on average.
  int64_t maxnumber = 20000;
  // Payloads signed with our key (e.g. by a portal running altcha-lib) must
  // expire within this from now.
  int64_t max_lifetime_seconds = 3600;
  // Adaptive cost: each recent refusal of the reader's address or network
  // multiplies maxnumber by `growth_percent` / 100, up to `max_maxnumber`;
  // refusals count half as much after each `half_life_seconds`.
  bool adaptive = true;
  int64_t growth_percent = 160;
  int64_t max_maxnumber = 50000000;
  int64_t half_life_seconds = 900;
  // Which challenge captchas carry: "SHA-256" (ALTCHA's classic protocol,
  // every widget), or "PBKDF2/SHA-256" or "SCRYPT" (its second protocol, a
  // key derivation per attempt; the widget from 3.0). SubmitComment takes
  // payloads of every algorithm whatever this says.
  std::string algorithm = "SHA-256";
  // The derivation of one attempt: PBKDF2's iterations; scrypt's N, r, p.
  int64_t pbkdf2_iterations = 1000;
  int64_t scrypt_n = 1024;
  int64_t scrypt_r = 8;
  int64_t scrypt_p = 1;
  // The counter range (the KDF's maxnumber) for a source with no recent
  // refusals: a client derives range / 2 keys on average. Adaptive cost grows
  // it as it grows maxnumber, up to the same multiple of it as
  // max_maxnumber is of maxnumber.
  int64_t pbkdf2_counter_range = 5000;
  int64_t scrypt_counter_range = 180;
};

struct QueueSettings {
  int64_t default_page_size = 20;
  int64_t max_page_size = 100;
  int64_t idempotency_ttl_seconds = 86400;
  int64_t note_max_chars = 500;
  // How long a comment handed to a moderator in review stays theirs.
  int64_t claim_ttl_seconds = 300;
  // How long a moderator may take back their last decision.
  int64_t undo_window_seconds = 120;
  // How often a replica reads whether approved lists changed, which bounds how
  // long another replica's approval takes to show in its cached feed; 0 turns
  // the feed cache off.
  int64_t feed_cache_refresh_ms = 250;
  // What the cached feed pages may hold.
  int64_t feed_cache_mb = 32;
};

// One rate limit: `count` events per `period_seconds`, at most `burst` back to
// back; count 0 turns it off.
struct LimitSettings {
  int64_t count = 0;
  int64_t period_seconds = 60;
  int64_t burst = 1;
  bool shadow = false;                   // count and log, never refuse
  std::string on_redis_error = "allow";  // or "refuse": when Redis cannot answer in time
};

struct RateLimitSettings {
  bool enabled = true;
  // Where limit state lives; empty: the main Redis. Limit state needs no
  // durability, so a Redis without `appendfsync always` serves it faster.
  std::string redis_url;
  bool shadow = false;  // every limit in shadow mode
  int64_t redis_timeout_ms = 50;
  // Addresses and CIDR prefixes that skip every limit.
  std::vector<std::string> allow_list;
  LimitSettings submit_ip{5, 60, 3};
  LimitSettings submit_ip_block{30, 60, 20};
  LimitSettings submit_phone{5, 60, 3};
  LimitSettings submit_article{600, 60, 100};
  LimitSettings submit_ip_article{3, 60, 2};
  LimitSettings submit_global{12000, 60, 2000};
  // Wrong captcha answers from one address: counted apart from submissions,
  // so that a reader who mistypes is not also spending their submissions.
  LimitSettings wrong_answer_ip{10, 600, 5};
  LimitSettings captcha_ip{20, 60, 10};
  LimitSettings captcha_ip_block{200, 60, 100};
  LimitSettings captcha_global{30000, 60, 5000};
};

struct BanSettings {
  // Accept a banned author's comment and drop it, instead of refusing it.
  bool silent = false;
};

// How long personal data is kept (see docs/configuration.md, "Retention"). 0 keeps for ever.
struct RetentionSettings {
  // Days after a decision until the comment's sealed phone, keyed hashes and
  // user agent are erased.
  int64_t personal_data_days = 90;
  // Days a comment may wait for a decision before it is removed.
  int64_t pending_max_age_days = 30;
  int64_t sweep_interval_seconds = 3600;
  int64_t sweep_batch = 200;
};

// TLS on the gRPC port: both files or neither. With `client_ca_file`,
// clients must present a certificate signed by that CA (mutual TLS).
struct TlsSettings {
  std::string cert_file;  // PEM chain, server certificate first
  std::string key_file;   // PEM private key
  std::string client_ca_file;
};

// One bearer token: its name (a moderator's identity, or the portal's),
// its role, and the SHA-256 of the token in hex (never the token).
struct TokenSettings {
  std::string name;
  std::string role;
  std::string sha256;
};

struct AuthSettings {
  std::vector<TokenSettings> tokens;
  // A file of "name:role:sha256" lines, e.g. a mounted Kubernetes Secret;
  // its tokens add to `tokens`.
  std::string tokens_file;
};

struct SpamSettings {
  bool enabled = true;
  // The rules and thresholds (TOML, see deploy/spam-rules.toml), reloaded on
  // SIGHUP; empty: the copy of deploy/spam-rules.toml built into the binary.
  // A missing or empty file stops the server at start.
  std::string rules_file;
  // A model written by spam-train, the learned filter's starting point until
  // moderators' decisions have produced a snapshot in Redis; empty: untrained.
  std::string model_file;
  // Repeat and near-duplicate lookups give up after this (scored without).
  int64_t memory_timeout_ms = 50;
  // How soon a moderator's decision reaches the learned filter everywhere.
  int64_t learning_poll_ms = 500;
};

// HTTP/2 connections: how long a client may take to say anything, stay idle
// or keep one connection, how often it may ping, and the memory gRPC's
// transport may use in all (see docs/security.md, "Transport limits").
struct TransportSettings {
  // A connection that has not completed its handshake (TLS) by then is closed.
  int64_t handshake_timeout_ms = 10000;
  // A connection without a call for this long is sent GOAWAY and closed.
  int64_t max_connection_idle_ms = 300000;
  // Every connection is sent GOAWAY after this long, and closed
  // max_connection_age_grace_ms later whatever it is doing: the backstop
  // against a client that holds a connection or its streams for ever.
  int64_t max_connection_age_ms = 1800000;
  int64_t max_connection_age_grace_ms = 30000;
  // The server pings a connection silent this long, and closes it if the
  // ping is not answered within keepalive_timeout_ms.
  int64_t keepalive_time_ms = 120000;
  int64_t keepalive_timeout_ms = 20000;
  // Client pings closer together than this are strikes; max_ping_strikes of
  // them and the connection is closed with GOAWAY (ENHANCE_YOUR_CALM).
  int64_t min_client_ping_interval_ms = 60000;
  int64_t max_ping_strikes = 2;
  // Memory the gRPC transport may hold for all connections together
  // (grpc::ResourceQuota); under pressure it stops reading and closes
  // connections.
  int64_t memory_quota_mb = 256;
};

struct ServerConfig {
  std::string listen = "127.0.0.1:50051";
  // Prometheus text endpoint (GET /metrics); empty turns it off.
  std::string metrics_listen = "127.0.0.1:9464";
  // Development only: CreateCaptcha also returns the answer. Refused unless
  // every listening address is loopback.
  bool dev_reveal_captcha = false;
  int64_t max_message_bytes = int64_t{64} * 1024;
  int64_t max_concurrent_streams = 100;
  int64_t shutdown_grace_seconds = 10;
  // Calls being served at once, all methods together; beyond it, calls are
  // refused at once with RESOURCE_EXHAUSTED.
  int64_t max_in_flight = 1000;
  // A unary call in flight, or the Redis client's event loop not turning,
  // for longer than this is logged and counted as a stall
  // (moderation_stalls_total): a hang is never silent.
  int64_t stall_threshold_ms = 3000;
  std::string log_level = "info";
  // Serve without TLS or without tokens on an address reachable from other
  // machines (refused otherwise); logs a warning.
  bool insecure = false;
  // Key id written with every encrypted value (see docs/configuration.md, "Secrets").
  std::string encryption_key_id = "k1";
  // Older key ids that still open values sealed under them, during a key
  // rotation (see docs/configuration.md, "Secrets"); never used to seal.
  std::vector<std::string> decryption_key_ids;
  TransportSettings transport;
  RedisSettings redis;
  CaptchaSettings captcha;
  ProofOfWorkSettings pow;
  validation::FieldLimits limits;
  QueueSettings queue;
  RateLimitSettings ratelimit;
  BanSettings bans;
  RetentionSettings retention;
  SpamSettings spam;
  TlsSettings tls;
  AuthSettings auth;
};

using Environment = std::map<std::string, std::string>;

struct LoadedConfig {
  ServerConfig config;
  // MODERATION_* variables that name no setting (worth a warning: a typo
  // silently ignored would be worse, but platforms such as Kubernetes add
  // variables of their own under the same prefix).
  std::vector<std::string> unknown_environment;
};

// Reads the TOML file at `path` (if any), then applies MODERATION_* variables
// from `environment` (each setting's dotted path upper-cased, dots as
// underscores: redis.url → MODERATION_REDIS_URL). INVALID_ARGUMENT naming the
// key for an unknown key, a wrong type or a value out of range.
[[nodiscard]] absl::StatusOr<LoadedConfig> LoadConfig(const std::optional<std::string>& path,
                                                      const Environment& environment);

// The process environment.
[[nodiscard]] Environment ProcessEnvironment();

// One line per setting: "key = default    # environment variable" (--describe-config).
[[nodiscard]] std::string DescribeSettings();

// The reference table of every setting in Markdown: key, default, environment
// variable, meaning (--describe-config --format markdown; docs/configuration.md).
[[nodiscard]] std::string DescribeSettingsMarkdown();

// Settings that have no meaning written for the reference table (a new setting
// must say what it does).
[[nodiscard]] std::vector<std::string> UndescribedSettings();

}  // namespace moderation::config
