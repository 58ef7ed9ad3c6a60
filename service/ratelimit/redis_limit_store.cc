#include "service/ratelimit/redis_limit_store.h"

#include <atomic>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "service/storage/redis/keys.h"

namespace moderation::ratelimit {

absl::string_view GcraLua() {
  return R"lua(
-- Redis's clock, in microseconds.
local function gcra_now()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end
-- Whether one more event fits under a limit whose stored value (the
-- theoretical arrival time, µs, or false when there is none) is `stored`
-- (GCRA). Returns true, 0 and what gcra_commit needs, or false and the wait
-- (µs) until one more event fits.
local function gcra_decide(stored, interval, tolerance, now)
  local tat = tonumber(stored) or now
  if tat < now then tat = now end
  local new_tat = tat + interval
  local allow_at = new_tat - tolerance
  if allow_at > now then return false, allow_at - now end
  return true, 0, new_tat, math.max(1, math.ceil((new_tat - now) / 1000))
end
-- gcra_decide for the limit stored under `key`. Changes nothing.
local function gcra_check(key, interval, tolerance, now)
  return gcra_decide(redis.call('GET', key), interval, tolerance, now)
end
-- Records the event gcra_check allowed; the key expires when the subject is
-- back to a full burst. Limit state needs no durability (a restart or a
-- failover gives each subject a fresh burst), so it stays out of the AOF and
-- the replicas' streams: a fifth of what a submission wrote to them.
local function gcra_commit(key, new_tat, ttl_ms)
  redis.set_repl(redis.REPL_NONE)
  redis.call('SET', key, string.format('%.0f', new_tat), 'PX', ttl_ms)
  redis.set_repl(redis.REPL_ALL)
end
)lua";
}

namespace {

// KEYS[1]: the key. ARGV: emission interval (µs), burst tolerance (µs), now
// (µs, or '' for Redis TIME). Returns {1, 0} when allowed, {0, wait µs} when
// refused. Refusals change nothing, so a flood cannot push its own window out.
const redis::RedisScript& GcraScript() {
  static const auto* script = new redis::RedisScript(absl::StrCat(GcraLua(), R"lua(
local now = ARGV[3] == '' and gcra_now() or tonumber(ARGV[3])
local allowed, wait, new_tat, ttl = gcra_check(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), now)
if not allowed then return {0, wait} end
gcra_commit(KEYS[1], new_tat, ttl)
return {1, 0}
)lua"));
  return *script;
}

// KEYS[1]: the key. ARGV: emission interval (µs). Moves the theoretical
// arrival time back by one interval, keeping the expiry in step.
const redis::RedisScript& RefundScript() {
  static const auto* script = new redis::RedisScript(R"lua(
local tat = tonumber(redis.call('GET', KEYS[1]))
if not tat then return 0 end
local ttl = redis.call('PTTL', KEYS[1])
local interval_ms = math.floor(tonumber(ARGV[1]) / 1000)
if ttl <= interval_ms then
  redis.call('DEL', KEYS[1])
  return 1
end
redis.call('SET', KEYS[1], string.format('%.0f', tat - tonumber(ARGV[1])), 'PX', ttl - interval_ms)
return 1
)lua");
  return *script;
}

}  // namespace

void RedisLimitStore::Refund(std::vector<GcraCheck> checks) {
  for (const GcraCheck& check : checks) {
    client_.EvalScript(RefundScript(), {redis::keys::RateLimit(check.key)},
                       {absl::StrCat(absl::ToInt64Microseconds(check.emission_interval))},
                       [](const absl::StatusOr<redis::RedisValue>&) {});
  }
}

RedisLimitStore::RedisLimitStore(redis::RedisClient& client) : client_(client) {}

void RedisLimitStore::CheckAll(
    std::vector<GcraCheck> checks, absl::Duration timeout,
    absl::AnyInvocable<void(std::vector<absl::StatusOr<GcraResult>>) &&> done) {
  struct Gather {
    absl::Mutex mutex;
    std::vector<absl::StatusOr<GcraResult>> results;
    std::atomic<std::size_t> remaining{0};
    absl::AnyInvocable<void(std::vector<absl::StatusOr<GcraResult>>) &&> done;
  };
  auto gather = std::make_shared<Gather>();
  gather->results.assign(checks.size(), absl::UnavailableError("no answer"));
  gather->remaining = checks.size();
  gather->done = std::move(done);
  if (checks.empty()) {
    std::move(gather->done)({});
    return;
  }
  const int64_t pinned = pinned_micros_.load();
  for (std::size_t i = 0; i < checks.size(); ++i) {
    const GcraCheck& check = checks[i];
    // Whole microseconds, at least one: a rate above a million a second is
    // as good as none.
    const int64_t interval =
        std::max<int64_t>(1, absl::ToInt64Microseconds(check.emission_interval));
    client_.EvalScript(GcraScript(), {redis::keys::RateLimit(check.key)},
                       {absl::StrCat(interval), absl::StrCat(interval * check.burst),
                        pinned > 0 ? absl::StrCat(pinned) : ""},
                       timeout, [gather, i](absl::StatusOr<redis::RedisValue> reply) {
                         absl::StatusOr<GcraResult> result;
                         if (!reply.ok()) {
                           result = reply.status();
                         } else if (reply->elements.size() != 2) {
                           result = absl::InternalError("unexpected rate limit reply");
                         } else {
                           result = GcraResult{
                               .allowed = reply->elements[0].integer == 1,
                               .retry_after = absl::Microseconds(reply->elements[1].integer)};
                         }
                         {
                           absl::MutexLock lock(&gather->mutex);
                           gather->results[i] = std::move(result);
                         }
                         if (gather->remaining.fetch_sub(1) == 1) {
                           std::vector<absl::StatusOr<GcraResult>> results;
                           {
                             absl::MutexLock lock(&gather->mutex);
                             results = std::move(gather->results);
                           }
                           std::move(gather->done)(std::move(results));
                         }
                       });
  }
}

}  // namespace moderation::ratelimit
