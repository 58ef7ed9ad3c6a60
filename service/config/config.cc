#include "service/config/config.h"

#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <string_view>
#include <variant>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "service/common/status_macros.h"
#include "service/common/toml_text.h"

extern char** environ;

namespace moderation::config {
namespace {

// The schema: every setting, where it lives in ServerConfig and what it may hold.
struct IntRange {
  int64_t min;
  int64_t max;
};

struct Setting {
  std::string path;
  std::variant<std::string*, bool*, int64_t*, std::size_t*, std::vector<std::string>*,
               std::vector<TokenSettings>*>
      target;
  IntRange range{0, 0};
};

void AddLimit(std::vector<Setting>& schema, absl::string_view name, LimitSettings& limit) {
  const std::string prefix = absl::StrCat("ratelimit.", name, ".");
  schema.push_back({prefix + "count", &limit.count, {0, 100000000}});
  schema.push_back({prefix + "period_seconds", &limit.period_seconds, {1, 86400}});
  schema.push_back({prefix + "burst", &limit.burst, {1, 100000000}});
  schema.push_back({prefix + "shadow", &limit.shadow});
  schema.push_back({prefix + "on_redis_error", &limit.on_redis_error});
}

std::vector<Setting> Schema(ServerConfig& c) {
  std::vector<Setting> schema = {
      {"listen", &c.listen},
      {"metrics_listen", &c.metrics_listen},
      {"dev_reveal_captcha", &c.dev_reveal_captcha},
      {"max_message_bytes", &c.max_message_bytes, {1024, int64_t{16} * 1024 * 1024}},
      {"max_concurrent_streams", &c.max_concurrent_streams, {1, 10000}},
      {"shutdown_grace_seconds", &c.shutdown_grace_seconds, {0, 3600}},
      {"max_in_flight", &c.max_in_flight, {1, 1000000}},
      {"stall_threshold_ms", &c.stall_threshold_ms, {10, 3600000}},
      {"log_level", &c.log_level},
      {"insecure", &c.insecure},
      {"encryption_key_id", &c.encryption_key_id},
      {"decryption_key_ids", &c.decryption_key_ids},
      {"transport.handshake_timeout_ms", &c.transport.handshake_timeout_ms, {100, 600000}},
      {"transport.max_connection_idle_ms",
       &c.transport.max_connection_idle_ms,
       {100, int64_t{24} * 3600 * 1000}},
      {"transport.max_connection_age_ms",
       &c.transport.max_connection_age_ms,
       {100, int64_t{7} * 24 * 3600 * 1000}},
      {"transport.max_connection_age_grace_ms",
       &c.transport.max_connection_age_grace_ms,
       {0, 3600000}},
      {"transport.keepalive_time_ms",
       &c.transport.keepalive_time_ms,
       {1000, int64_t{24} * 3600 * 1000}},
      {"transport.keepalive_timeout_ms", &c.transport.keepalive_timeout_ms, {100, 600000}},
      {"transport.min_client_ping_interval_ms",
       &c.transport.min_client_ping_interval_ms,
       {0, 3600000}},
      {"transport.max_ping_strikes", &c.transport.max_ping_strikes, {0, 100}},
      {"transport.memory_quota_mb", &c.transport.memory_quota_mb, {16, 65536}},
      {"redis.url", &c.redis.url},
      {"redis.connect_timeout_ms", &c.redis.connect_timeout_ms, {10, 60000}},
      {"redis.command_timeout_ms", &c.redis.command_timeout_ms, {10, 60000}},
      {"redis.max_pending_commands", &c.redis.max_pending_commands, {1, 10000000}},
      {"redis.sentinels", &c.redis.sentinels},
      {"redis.master_name", &c.redis.master_name},
      {"redis.wait_replicas", &c.redis.wait_replicas, {0, 16}},
      {"redis.wait_timeout_ms", &c.redis.wait_timeout_ms, {1, 60000}},
      {"redis.reconnect_max_delay_ms", &c.redis.reconnect_max_delay_ms, {50, 60000}},
      {"captcha.ttl_seconds", &c.captcha.ttl_seconds, {1, 86400}},
      {"captcha.length", &c.captcha.length, {4, 10}},
      {"captcha.audio", &c.captcha.audio},
      {"pow.enabled", &c.pow.enabled},
      {"pow.maxnumber", &c.pow.maxnumber, {1, 1000000000}},
      {"pow.max_lifetime_seconds", &c.pow.max_lifetime_seconds, {60, 86400}},
      {"pow.adaptive", &c.pow.adaptive},
      {"pow.growth_percent", &c.pow.growth_percent, {100, 1000}},
      {"pow.max_maxnumber", &c.pow.max_maxnumber, {1, 1000000000}},
      {"pow.half_life_seconds", &c.pow.half_life_seconds, {10, 86400}},
      {"pow.algorithm", &c.pow.algorithm},
      {"pow.pbkdf2_iterations", &c.pow.pbkdf2_iterations, {1, 10000000}},
      {"pow.pbkdf2_counter_range", &c.pow.pbkdf2_counter_range, {1, 100000000}},
      {"pow.scrypt_n", &c.pow.scrypt_n, {2, 1048576}},
      {"pow.scrypt_r", &c.pow.scrypt_r, {1, 32}},
      {"pow.scrypt_p", &c.pow.scrypt_p, {1, 16}},
      {"pow.scrypt_counter_range", &c.pow.scrypt_counter_range, {1, 100000000}},
      {"limits.name_max_chars", &c.limits.name_max_chars, {1, 1000}},
      {"limits.title_max_chars", &c.limits.title_max_chars, {1, 1000}},
      {"limits.body_max_chars", &c.limits.body_max_chars, {1, 100000}},
      {"limits.user_agent_max_bytes", &c.limits.user_agent_max_bytes, {0, 8192}},
      {"limits.combining_marks_max", &c.limits.combining_marks_max, {1, 100}},
      {"limits.idempotency_key_max_bytes", &c.limits.idempotency_key_max_bytes, {8, 1024}},
      {"limits.local_client_ip_accepted", &c.limits.local_client_ip_accepted},
      {"limits.captcha_client_ip_required", &c.limits.captcha_client_ip_required},
      {"queue.default_page_size", &c.queue.default_page_size, {1, 1000}},
      {"queue.max_page_size", &c.queue.max_page_size, {1, 1000}},
      {"queue.idempotency_ttl_seconds",
       &c.queue.idempotency_ttl_seconds,
       {60, int64_t{30} * 86400}},
      {"queue.note_max_chars", &c.queue.note_max_chars, {1, 10000}},
      {"queue.claim_ttl_seconds", &c.queue.claim_ttl_seconds, {10, 86400}},
      {"queue.undo_window_seconds", &c.queue.undo_window_seconds, {1, 3600}},
      {"queue.feed_cache_refresh_ms", &c.queue.feed_cache_refresh_ms, {0, 10000}},
      {"queue.feed_cache_mb", &c.queue.feed_cache_mb, {1, 4096}},
      {"ratelimit.enabled", &c.ratelimit.enabled},
      {"ratelimit.redis_url", &c.ratelimit.redis_url},
      {"ratelimit.shadow", &c.ratelimit.shadow},
      {"ratelimit.redis_timeout_ms", &c.ratelimit.redis_timeout_ms, {1, 10000}},
      {"ratelimit.allow_list", &c.ratelimit.allow_list},
      {"bans.silent", &c.bans.silent},
      {"retention.personal_data_days", &c.retention.personal_data_days, {0, 36500}},
      {"retention.pending_max_age_days", &c.retention.pending_max_age_days, {0, 36500}},
      {"retention.sweep_interval_seconds", &c.retention.sweep_interval_seconds, {1, 86400}},
      {"retention.sweep_batch", &c.retention.sweep_batch, {1, 10000}},
      {"spam.enabled", &c.spam.enabled},
      {"spam.rules_file", &c.spam.rules_file},
      {"spam.model_file", &c.spam.model_file},
      {"spam.memory_timeout_ms", &c.spam.memory_timeout_ms, {1, 10000}},
      {"spam.learning_poll_ms", &c.spam.learning_poll_ms, {10, 60000}},
      {"tls.cert_file", &c.tls.cert_file},
      {"tls.key_file", &c.tls.key_file},
      {"tls.client_ca_file", &c.tls.client_ca_file},
      {"auth.tokens", &c.auth.tokens},
      {"auth.tokens_file", &c.auth.tokens_file},
  };
  RateLimitSettings& r = c.ratelimit;
  for (auto [name, limit] : std::initializer_list<std::pair<absl::string_view, LimitSettings*>>{
           {"submit_ip", &r.submit_ip},
           {"submit_ip_block", &r.submit_ip_block},
           {"submit_phone", &r.submit_phone},
           {"submit_article", &r.submit_article},
           {"submit_ip_article", &r.submit_ip_article},
           {"submit_global", &r.submit_global},
           {"wrong_answer_ip", &r.wrong_answer_ip},
           {"captcha_ip", &r.captcha_ip},
           {"captcha_ip_block", &r.captcha_ip_block},
           {"captcha_global", &r.captcha_global}}) {
    AddLimit(schema, name, *limit);
  }
  return schema;
}

std::string EnvironmentName(absl::string_view path) {
  return absl::AsciiStrToUpper(
      absl::StrCat("MODERATION_", absl::StrReplaceAll(path, {{".", "_"}})));
}

absl::Status SetInt(const Setting& setting, int64_t value, absl::string_view source) {
  if (value < setting.range.min || value > setting.range.max) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", setting.path, " must be between ",
                                                   setting.range.min, " and ", setting.range.max,
                                                   ", got ", value));
  }
  if (auto* target = std::get_if<int64_t*>(&setting.target)) {
    **target = value;
  } else {
    *std::get<std::size_t*>(setting.target) = static_cast<std::size_t>(value);
  }
  return absl::OkStatus();
}

// [[auth.tokens]] tables: exactly name, role and sha256, each a string.
absl::StatusOr<std::vector<TokenSettings>> TomlTokens(const toml::node& node,
                                                      absl::string_view file) {
  const auto shape_error = [&](std::size_t index, absl::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat(file, ": auth.tokens[", index, "]: ", what,
                     " (each [[auth.tokens]] has name, role and sha256, all strings)"));
  };
  const toml::array* array = node.as_array();
  if (array == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(file, ": auth.tokens must be an array of tables ([[auth.tokens]])"));
  }
  std::vector<TokenSettings> tokens;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::table* table = array->get(i)->as_table();
    if (table == nullptr) {
      return shape_error(i, "not a table");
    }
    TokenSettings token;
    for (const auto& [key, value] : *table) {
      std::string* field = key == "name"     ? &token.name
                           : key == "role"   ? &token.role
                           : key == "sha256" ? &token.sha256
                                             : nullptr;
      if (field == nullptr) {
        return shape_error(i, absl::StrCat("unknown key ", std::string(key.str())));
      }
      std::optional<std::string> text = value.value<std::string>();
      if (!text || !value.is_string()) {
        return shape_error(i, absl::StrCat(std::string(key.str()), " is not a string"));
      }
      *field = *std::move(text);
    }
    tokens.push_back(std::move(token));
  }
  return tokens;
}

// MODERATION_AUTH_TOKENS: "name:role:sha256" entries, comma-separated.
absl::StatusOr<std::vector<TokenSettings>> EnvironmentTokens(const std::string& name,
                                                             const std::string& value) {
  std::vector<TokenSettings> tokens;
  for (absl::string_view entry : absl::StrSplit(value, ',', absl::SkipWhitespace())) {
    std::vector<std::string> fields = absl::StrSplit(absl::StripAsciiWhitespace(entry), ':');
    if (fields.size() != 3) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": entry ", tokens.size() + 1, " is not name:role:sha256"));
    }
    tokens.push_back({.name = fields[0], .role = fields[1], .sha256 = fields[2]});
  }
  return tokens;
}

absl::Status ApplyTomlValue(const Setting& setting, const toml::node& node,
                            absl::string_view file) {
  const auto type_error = [&](absl::string_view expected) {
    return absl::InvalidArgumentError(
        absl::StrCat(file, ": ", setting.path, " must be ", expected));
  };
  if (auto* target = std::get_if<std::string*>(&setting.target)) {
    std::optional<std::string> value = node.value<std::string>();
    if (!value) {
      return type_error("a string");
    }
    **target = *value;
    return absl::OkStatus();
  }
  if (auto* target = std::get_if<std::vector<std::string>*>(&setting.target)) {
    const toml::array* array = node.as_array();
    if (array == nullptr) {
      return type_error("an array of strings");
    }
    std::vector<std::string> values;
    for (const toml::node& element : *array) {
      std::optional<std::string> value = element.value<std::string>();
      if (!value) {
        return type_error("an array of strings");
      }
      values.push_back(*value);
    }
    **target = std::move(values);
    return absl::OkStatus();
  }
  if (auto* target = std::get_if<std::vector<TokenSettings>*>(&setting.target)) {
    ASSIGN_OR_RETURN(**target, TomlTokens(node, file));
    return absl::OkStatus();
  }
  if (auto* target = std::get_if<bool*>(&setting.target)) {
    std::optional<bool> value = node.value<bool>();
    if (!value || !node.is_boolean()) {
      return type_error("true or false");
    }
    **target = *value;
    return absl::OkStatus();
  }
  if (!node.is_integer()) {
    return type_error("an integer");
  }
  return SetInt(setting, *node.value<int64_t>(), file);
}

absl::Status ApplyEnvironmentValue(const Setting& setting, const std::string& name,
                                   const std::string& value) {
  if (auto* target = std::get_if<std::string*>(&setting.target)) {
    **target = value;
    return absl::OkStatus();
  }
  if (auto* target = std::get_if<std::vector<std::string>*>(&setting.target)) {
    // Comma-separated in the environment.
    std::vector<std::string> values;
    for (absl::string_view part : absl::StrSplit(value, ',', absl::SkipWhitespace())) {
      values.emplace_back(absl::StripAsciiWhitespace(part));
    }
    **target = std::move(values);
    return absl::OkStatus();
  }
  if (auto* target = std::get_if<std::vector<TokenSettings>*>(&setting.target)) {
    ASSIGN_OR_RETURN(**target, EnvironmentTokens(name, value));
    return absl::OkStatus();
  }
  if (auto* target = std::get_if<bool*>(&setting.target)) {
    const std::string lowered = absl::AsciiStrToLower(value);
    if (lowered == "1" || lowered == "true" || lowered == "yes") {
      **target = true;
    } else if (lowered == "0" || lowered == "false" || lowered == "no" || lowered.empty()) {
      **target = false;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(name, " must be 1/0, true/false or yes/no"));
    }
    return absl::OkStatus();
  }
  int64_t number = 0;
  if (!absl::SimpleAtoi(value, &number)) {
    return absl::InvalidArgumentError(absl::StrCat(name, " must be an integer"));
  }
  return SetInt(setting, number, name);
}

absl::Status ApplyTable(const toml::table& table, const std::string& prefix,
                        const std::vector<Setting>& schema, absl::string_view file) {
  for (const auto& [key, node] : table) {
    const std::string path =
        prefix.empty() ? std::string(key.str()) : absl::StrCat(prefix, ".", std::string(key.str()));
    if (const toml::table* sub = node.as_table()) {
      RETURN_IF_ERROR(ApplyTable(*sub, path, schema, file));
      continue;
    }
    auto setting = std::find_if(schema.begin(), schema.end(),
                                [&](const Setting& s) { return s.path == path; });
    if (setting == schema.end()) {
      return absl::InvalidArgumentError(absl::StrCat(file, ": unknown key ", path));
    }
    RETURN_IF_ERROR(ApplyTomlValue(*setting, node, file));
  }
  return absl::OkStatus();
}

// Names read by the server besides the settings (secrets never live in TOML).
constexpr absl::string_view kOtherVariables[] = {
    "MODERATION_SECRET_KEY", "MODERATION_SECRET_KEY_FILE", "MODERATION_ALTCHA_HMAC_KEY",
    "MODERATION_ALTCHA_HMAC_KEY_FILE"};

absl::Status CheckConsistency(const ServerConfig& config) {
  if (config.queue.default_page_size > config.queue.max_page_size) {
    return absl::InvalidArgumentError("queue.default_page_size exceeds queue.max_page_size");
  }
  if (config.log_level != "debug" && config.log_level != "info" && config.log_level != "warning" &&
      config.log_level != "error") {
    return absl::InvalidArgumentError("log_level must be debug, info, warning or error");
  }
  for (const LimitSettings* limit :
       {&config.ratelimit.submit_ip, &config.ratelimit.submit_ip_block,
        &config.ratelimit.submit_phone, &config.ratelimit.submit_article,
        &config.ratelimit.submit_ip_article, &config.ratelimit.submit_global,
        &config.ratelimit.wrong_answer_ip, &config.ratelimit.captcha_ip,
        &config.ratelimit.captcha_ip_block, &config.ratelimit.captcha_global}) {
    if (limit->on_redis_error != "allow" && limit->on_redis_error != "refuse") {
      return absl::InvalidArgumentError("ratelimit.*.on_redis_error must be allow or refuse");
    }
  }
  if (config.pow.algorithm != "SHA-256" && config.pow.algorithm != "PBKDF2/SHA-256" &&
      config.pow.algorithm != "SCRYPT") {
    return absl::InvalidArgumentError("pow.algorithm must be SHA-256, PBKDF2/SHA-256 or SCRYPT");
  }
  if ((config.pow.scrypt_n & (config.pow.scrypt_n - 1)) != 0) {
    return absl::InvalidArgumentError("pow.scrypt_n must be a power of two");
  }
  // One derivation per issued challenge, on the server too: keep it small.
  if (128 * config.pow.scrypt_n * config.pow.scrypt_r > int64_t{64} << 20) {
    return absl::InvalidArgumentError("pow.scrypt_n × pow.scrypt_r × 128 must be at most 64 MiB");
  }
  if (config.listen.empty()) {
    return absl::InvalidArgumentError("listen must not be empty");
  }
  if (config.redis.sentinels.empty() != config.redis.master_name.empty()) {
    return absl::InvalidArgumentError("redis.sentinels and redis.master_name go together");
  }
  if (config.redis.wait_replicas > 0 &&
      config.redis.wait_timeout_ms >= config.redis.command_timeout_ms) {
    return absl::InvalidArgumentError(
        "redis.wait_timeout_ms must be below redis.command_timeout_ms");
  }
  if (config.tls.cert_file.empty() != config.tls.key_file.empty()) {
    return absl::InvalidArgumentError("tls.cert_file and tls.key_file go together");
  }
  if (!config.tls.client_ca_file.empty() && config.tls.cert_file.empty()) {
    return absl::InvalidArgumentError(
        "tls.client_ca_file (mutual TLS) needs tls.cert_file and tls.key_file");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<LoadedConfig> LoadConfig(const std::optional<std::string>& path,
                                        const Environment& environment) {
  LoadedConfig loaded;
  const std::vector<Setting> schema = Schema(loaded.config);

  if (path) {
    std::ifstream file(*path, std::ios::binary);
    if (!file) {
      return absl::NotFoundError(absl::StrCat("cannot read configuration file ", *path));
    }
    const std::string text(std::istreambuf_iterator<char>(file), {});
    ASSIGN_OR_RETURN(const toml::table table, ParseTomlText(text, *path));
    RETURN_IF_ERROR(ApplyTable(table, "", schema, *path));
  }

  for (const auto& entry : environment) {
    // Named, not a structured binding: a lambda below captures it.
    const std::string& name = entry.first;
    const std::string& value = entry.second;
    if (!absl::StartsWith(name, "MODERATION_")) {
      continue;
    }
    auto setting = std::find_if(schema.begin(), schema.end(),
                                [&](const Setting& s) { return EnvironmentName(s.path) == name; });
    if (setting != schema.end()) {
      RETURN_IF_ERROR(ApplyEnvironmentValue(*setting, name, value));
    } else if (std::find(std::begin(kOtherVariables), std::end(kOtherVariables), name) ==
               std::end(kOtherVariables)) {
      loaded.unknown_environment.push_back(name);
    }
  }
  RETURN_IF_ERROR(CheckConsistency(loaded.config));
  return loaded;
}

Environment ProcessEnvironment() {
  Environment environment;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    absl::string_view text(*entry);
    const std::size_t equals = text.find('=');
    if (equals != absl::string_view::npos) {
      environment.emplace(text.substr(0, equals), text.substr(equals + 1));
    }
  }
  return environment;
}

namespace {

// What each setting means, for the generated reference (docs/configuration.md).
// A setting missing here is listed by UndescribedSettings() and fails a test.
const std::map<std::string_view, std::string_view>& Meanings() {
  static const auto* const meanings = new std::map<std::string_view, std::string_view>{
      {"listen", "gRPC address"},
      {"metrics_listen", "Prometheus endpoint (`/metrics`, `/healthz`); empty turns it off"},
      {"dev_reveal_captcha",
       "development only: `CreateCaptcha` returns the answer; refused unless `listen` is "
       "loopback; logs a warning"},
      {"max_message_bytes", "largest request accepted"},
      {"max_concurrent_streams", "concurrent calls per connection"},
      {"transport.handshake_timeout_ms",
       "a connection that has not finished its handshake is closed (see docs/security.md)"},
      {"transport.max_connection_idle_ms",
       "a connection without a call, or one that sends nothing, gets GOAWAY and is closed"},
      {"transport.max_connection_age_ms", "every connection gets GOAWAY at this age"},
      {"transport.max_connection_age_grace_ms",
       "then is closed this much later, whatever streams it holds"},
      {"transport.keepalive_time_ms", "the server pings a connection silent this long"},
      {"transport.keepalive_timeout_ms", "and closes it if the ping is not answered in this"},
      {"transport.min_client_ping_interval_ms",
       "client pings closer together are strikes against the connection"},
      {"transport.max_ping_strikes", "strikes before GOAWAY (ENHANCE_YOUR_CALM)"},
      {"transport.memory_quota_mb", "gRPC's transport memory quota (ResourceQuota)"},
      {"shutdown_grace_seconds", "how long SIGTERM waits for calls in flight"},
      {"max_in_flight",
       "calls served at once (all methods); beyond it, `RESOURCE_EXHAUSTED` at once"},
      {"log_level", "`debug`, `info`, `warning`, `error`"},
      {"insecure", "serve a non-loopback address without TLS or without tokens (logs a warning)"},
      {"encryption_key_id", "key id written with every encrypted phone number"},
      {"decryption_key_ids",
       "older key ids still read during a key rotation (see \"Rotating the phone key\"); "
       "never used to encrypt; comma-separated in the environment"},
      {"stall_threshold_ms",
       "a call in flight, or the Redis event loop not turning, this long is logged and counted "
       "as a stall (`moderation_stalls_total`)"},
      {"redis.url", "`redis://host:port[/db]` or `unix:///path/redis.sock`"},
      {"redis.reconnect_max_delay_ms", "the longest pause between attempts to reconnect to Redis"},
      {"redis.connect_timeout_ms", "connection attempt limit"},
      {"redis.command_timeout_ms",
       "a command without a reply this long fails `UNAVAILABLE` and the connection is "
       "renewed"},
      {"redis.max_pending_commands", "beyond this, calls fail `RESOURCE_EXHAUSTED` at once"},
      {"redis.sentinels",
       "`host:port` of each Sentinel; with `redis.master_name`, the primary is found and "
       "followed through them (`redis.url` then only gives the database); comma-separated in "
       "the environment"},
      {"redis.master_name", "the name the Sentinels monitor the primary by"},
      {"redis.wait_replicas",
       "acknowledge a comment or a decision only once this many replicas have it (`WAIT`); "
       "0: once the primary has it"},
      {"redis.wait_timeout_ms",
       "how long `WAIT` waits; past it the call fails `UNAVAILABLE`; below "
       "`redis.command_timeout_ms`"},
      {"captcha.ttl_seconds", "captcha lifetime"},
      {"captcha.length", "characters per code"},
      {"captcha.audio", "also offer the code as speech (WAV) for readers who cannot see it"},
      {"pow.enabled",
       "captchas come with an ALTCHA proof of work and `SubmitComment` requires its solution "
       "(`altcha_payload`); see docs/bot-defence.md"},
      {"pow.maxnumber", "the challenge's maxnumber for a source without recent refusals"},
      {"pow.max_lifetime_seconds",
       "payloads signed with our key must expire within this from now (their one-use record "
       "must outlive them)"},
      {"pow.adaptive", "raise the proof of work's cost with the source's recent refusals"},
      {"pow.growth_percent", "the cost's factor per recent refusal, in percent"},
      {"pow.max_maxnumber", "the highest maxnumber adaptive cost asks"},
      {"pow.half_life_seconds", "a refusal counts half as much after this long"},
      {"pow.algorithm",
       "the challenge captchas carry: `SHA-256` (ALTCHA's classic protocol, every widget), "
       "`PBKDF2/SHA-256` or `SCRYPT` (its second protocol, a key derivation per attempt; "
       "widget 3.0 or later); `SubmitComment` takes payloads of all three; see "
       "docs/bot-defence.md"},
      {"pow.pbkdf2_iterations",
       "PBKDF2-HMAC-SHA-256 iterations per attempt (`PBKDF2/SHA-256`); issuing a challenge "
       "costs the server one such derivation"},
      {"pow.pbkdf2_counter_range",
       "`PBKDF2/SHA-256`: the secret counter's range for a source without recent refusals (a "
       "client derives half of it on average); grows like `pow.maxnumber`, up to the same "
       "multiple of it as `pow.max_maxnumber` is of `pow.maxnumber`"},
      {"pow.scrypt_n",
       "scrypt's N (a power of two) per attempt (`SCRYPT`); memory is 128 × N × r bytes per "
       "derivation, and issuing a challenge costs the server one"},
      {"pow.scrypt_r", "scrypt's r (block size) per attempt (`SCRYPT`)"},
      {"pow.scrypt_p", "scrypt's p (parallelism) per attempt (`SCRYPT`)"},
      {"pow.scrypt_counter_range",
       "`SCRYPT`: the secret counter's range for a source without recent refusals; grows like "
       "`pow.pbkdf2_counter_range`"},
      {"limits.name_max_chars", "longest name, in characters after NFC"},
      {"limits.title_max_chars", "longest title, in characters after NFC"},
      {"limits.body_max_chars", "longest body, in characters after NFC"},
      {"limits.user_agent_max_bytes", "longest user agent"},
      {"limits.combining_marks_max",
       "combining marks on one character in name, title, body (`TOO_MANY_COMBINING_MARKS`)"},
      {"limits.idempotency_key_max_bytes", "longest idempotency key"},
      {"limits.local_client_ip_accepted",
       "accept a loopback or unspecified `client_ip` (127.0.0.1, ::1, 0.0.0.0): only for a portal "
       "tried out on one machine; logs a warning"},
      {"limits.captcha_client_ip_required",
       "refuse CreateCaptcha and RefreshCaptcha without `client_ip`; off only for a portal that "
       "cannot forward it (logs a warning)"},
      {"queue.default_page_size", "listings when `page_size` is 0"},
      {"queue.max_page_size", "larger `page_size` is `OUT_OF_RANGE`"},
      {"queue.idempotency_ttl_seconds", "how long a retry gets the first answer"},
      {"queue.note_max_chars", "moderators' decision notes"},
      {"queue.claim_ttl_seconds",
       "how long a comment handed out by `ClaimNext` (`modctl review`) stays its moderator's"},
      {"queue.undo_window_seconds", "how long a moderator may take back their last decision"},
      {"queue.feed_cache_refresh_ms",
       "how often a replica checks whether approved lists changed: the longest another "
       "replica's approval takes to show in its cached public feed; 0 turns the cache off"},
      {"queue.feed_cache_mb", "memory for the cached pages of the public feed"},
      {"ratelimit.enabled", "rate limits on or off"},
      {"ratelimit.redis_url", "where limit state lives; empty: the main Redis"},
      {"ratelimit.shadow", "every limit counts and logs but never refuses"},
      {"ratelimit.redis_timeout_ms", "limit and ban lookups give up after this"},
      {"ratelimit.allow_list",
       "addresses and CIDR prefixes that skip limits; comma-separated in the environment"},
      {"bans.silent", "accept and drop a banned author's comment instead of refusing it"},
      {"retention.personal_data_days",
       "days after a decision until a comment's personal data is erased; 0 keeps it (see "
       "\"Retention\")"},
      {"retention.pending_max_age_days",
       "days a comment may wait for a decision before it is removed; 0 keeps it"},
      {"retention.sweep_interval_seconds", "time between retention sweeps"},
      {"retention.sweep_batch", "comments per step of a sweep (one SCAN and one Lua call)"},
      {"spam.enabled", "spam scoring on or off"},
      {"spam.rules_file",
       "the rules and thresholds (TOML); reloaded on SIGHUP and when the file changes; empty: the "
       "built-in copy of "
       "deploy/spam-rules.toml; a missing or empty file stops the server"},
      {"spam.model_file", "the learned filter's starting model, from `spam-train`"},
      {"spam.memory_timeout_ms",
       "repeat lookups give up after this (scored without); only when limits live in a Redis "
       "of their own"},
      {"spam.learning_poll_ms", "how soon a decision reaches every replica's filter"},
      {"tls.cert_file", "PEM certificate chain of the gRPC port; empty: plaintext"},
      {"tls.key_file", "PEM private key of `tls.cert_file`"},
      {"tls.client_ca_file", "mutual TLS: clients need a certificate from this CA"},
      {"auth.tokens",
       "`[[auth.tokens]]` tables (`name`, `role`, `sha256`); `name:role:sha256`, "
       "comma-separated, in the environment"},
      {"auth.tokens_file", "a file of `name:role:sha256` lines, added to `auth.tokens`"},
  };
  return *meanings;
}

// Rate limits share their five settings; what differs is what they count.
std::string LimitMeaning(absl::string_view path) {
  const std::vector<absl::string_view> parts = absl::StrSplit(path, '.');
  if (parts.size() != 3 || parts[0] != "ratelimit") {
    return "";
  }
  const absl::string_view field = parts[2];
  if (field == "count") {
    return absl::StrCat("`", parts[1], "`: requests allowed per period; 0 turns the limit off");
  }
  if (field == "period_seconds") {
    return absl::StrCat("`", parts[1], "`: the period of `count`");
  }
  if (field == "burst") {
    return absl::StrCat("`", parts[1], "`: requests allowed at once above the steady rate");
  }
  if (field == "shadow") {
    return absl::StrCat("`", parts[1], "`: count and log, never refuse");
  }
  if (field == "on_redis_error") {
    return absl::StrCat("`", parts[1],
                        "`: `allow` or `refuse` (`UNAVAILABLE`) when Redis does not answer in "
                        "time");
  }
  return "";
}

std::string MeaningOf(absl::string_view path) {
  const auto& meanings = Meanings();
  if (auto it = meanings.find(std::string_view(path.data(), path.size())); it != meanings.end()) {
    return std::string(it->second);
  }
  return LimitMeaning(path);
}

std::string DefaultText(const Setting& setting) {
  if (auto* s = std::get_if<std::string*>(&setting.target)) {
    return absl::StrCat("\"", **s, "\"");
  }
  if (auto* b = std::get_if<bool*>(&setting.target)) {
    return **b ? "true" : "false";
  }
  if (auto* i = std::get_if<int64_t*>(&setting.target)) {
    return absl::StrCat(**i);
  }
  if (auto* list = std::get_if<std::vector<std::string>*>(&setting.target)) {
    return absl::StrCat("[", absl::StrJoin(**list, ", "), "]");
  }
  if (std::holds_alternative<std::vector<TokenSettings>*>(setting.target)) {
    return "[]";
  }
  return absl::StrCat(*std::get<std::size_t*>(setting.target));
}

}  // namespace

std::vector<std::string> UndescribedSettings() {
  ServerConfig defaults;
  std::vector<std::string> missing;
  for (const Setting& setting : Schema(defaults)) {
    if (MeaningOf(setting.path).empty()) {
      missing.push_back(setting.path);
    }
  }
  return missing;
}

std::string DescribeSettingsMarkdown() {
  ServerConfig defaults;
  std::string out = "| Key | Default | Environment variable | Meaning |\n|---|---|---|---|\n";
  for (const Setting& setting : Schema(defaults)) {
    absl::StrAppend(&out, "| `", setting.path, "` | `", DefaultText(setting), "` | `",
                    EnvironmentName(setting.path), "` | ", MeaningOf(setting.path), " |\n");
  }
  return out;
}

std::string DescribeSettings() {
  ServerConfig defaults;
  std::string out;
  for (const Setting& setting : Schema(defaults)) {
    absl::StrAppend(&out, setting.path, " = ", DefaultText(setting), "    # ",
                    EnvironmentName(setting.path), "\n");
  }
  return out;
}

}  // namespace moderation::config
