#include "service/spam/redis_spam_memory.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "service/common/log.h"
#include "service/storage/redis/keys.h"

namespace moderation::spam {
namespace {

using redis::RedisScript;
using redis::RedisValue;

constexpr int kBands = 4;

// A stable 32-bit tag of the author's digest (FNV-1a): enough to tell apart
// the few authors met in one band field, the same on every replica.
uint32_t AuthorTag(absl::string_view author_digest) {
  uint32_t hash = 2166136261U;
  for (const char c : author_digest) {
    hash = (hash ^ static_cast<unsigned char>(c)) * 16777619U;
  }
  return hash;
}

// KEYS: the current and the previous period's hash. ARGV[1]: the step
// (SpamMemoryPlan). Returns {earlier copies, other authors
// with a near-identical body}.
const RedisScript& RecallScript() {
  static const auto* script = new RedisScript(absl::StrCat(SpamMemoryLua(), R"lua(
local memory = spam_step(cjson.decode(ARGV[1]))
local copies, near = spam_recall(memory, spam_read(memory))
return {copies, near}
)lua"));
  return *script;
}

// KEYS and ARGV as for RecallScript.
const RedisScript& RememberScript() {
  static const auto* script = new RedisScript(absl::StrCat(SpamMemoryLua(), R"lua(
local memory = spam_step(cjson.decode(ARGV[1]))
spam_remember(memory, spam_read(memory))
return 1
)lua"));
  return *script;
}

}  // namespace

absl::string_view SpamMemoryLua() {
  return R"lua(
-- How many copies of a body, and how many comments per band value, a period
-- keeps (the most recent).
local SPAM_BODY_CAPACITY = 32
local SPAM_BAND_CAPACITY = 8
-- The step as the plan names it (SpamMemoryPlan), decoded from JSON.
local function spam_step(t)
  return {current = t.keys[1], previous = t.keys[2], now = t.now_ms, period = t.period_ms,
          repeat_window = t.repeat_window_ms, near_window = t.near_window_ms, fields = t.fields,
          sim_high = t.simhash_high, sim_low = t.simhash_low, author = t.author,
          max_distance = t.max_distance}
end
-- Both periods' fields for this body; the current period's "t" first.
local function spam_read(m)
  local fields = {'t'}
  for i, f in ipairs(m.fields) do fields[i + 1] = f end
  return {current = redis.call('HMGET', m.current, unpack(fields)),
          previous = redis.call('HMGET', m.previous, unpack(m.fields))}
end
-- Bits set in a 32-bit value (SWAR: pairs, nibbles, then the four bytes).
local function spam_popcount(x)
  x = x - bit.band(bit.rshift(x, 1), 0x55555555)
  x = bit.band(x, 0x33333333) + bit.band(bit.rshift(x, 2), 0x33333333)
  x = bit.band(x + bit.rshift(x, 4), 0x0f0f0f0f)
  return bit.band(x, 0xff) + bit.band(bit.rshift(x, 8), 0xff) + bit.band(bit.rshift(x, 16), 0xff) +
         bit.rshift(x, 24)
end
-- Copies of the body in one period's field younger than the repeat window;
-- `now` is the time since that period began.
local function spam_count_copies(value, now, m)
  local n = 0
  if value then
    for i = 1, #value - 3, 4 do
      if now - struct.unpack('>I4', value, i) < m.repeat_window then n = n + 1 end
    end
  end
  return n
end
-- Adds to `authors` the other authors of near-identical bodies in one band
-- field of one period, newest first; returns how many it added.
local function spam_scan_band(value, now, m, authors)
  local added = 0
  if not value then return 0 end
  for i = #value - 15, 1, -16 do
    local high, low, author, t = struct.unpack('>I4I4I4I4', value, i)
    if now - t < m.near_window and author ~= m.author and not authors[author] then
      local bits = spam_popcount(bit.bxor(high, m.sim_high))
      if bits <= m.max_distance then bits = bits + spam_popcount(bit.bxor(low, m.sim_low)) end
      if bits <= m.max_distance then
        authors[author] = true
        added = added + 1
      end
    end
  end
  return added
end
-- How often this body was posted within the repeat window, and how many other
-- authors posted a body within max_distance bits of its SimHash within the
-- near window.
local function spam_recall(m, state)
  local later = m.now + m.period  -- now, counted from the previous period's start
  local copies = spam_count_copies(state.current[2], m.now, m) +
                 spam_count_copies(state.previous[1], later, m)
  local authors, near = {}, 0
  for i = 2, #m.fields do
    near = near + spam_scan_band(state.current[i + 1], m.now, m, authors) +
           spam_scan_band(state.previous[i], later, m, authors)
  end
  return copies, near
end
local function spam_append(value, record, capacity)
  value = (value or '') .. record
  local excess = #value - capacity * #record
  if excess > 0 then value = string.sub(value, excess + 1) end
  return value
end
-- Records this body in the current period: one HSET, and its expiry when the
-- period's hash is new (it lasts one period after its own).
local function spam_remember(m, state)
  local fresh = not state.current[1]
  local args = {m.fields[1], spam_append(state.current[2], struct.pack('>I4', m.now),
                                        SPAM_BODY_CAPACITY)}
  local record = struct.pack('>I4I4I4I4', m.sim_high, m.sim_low, m.author, m.now)
  for i = 2, #m.fields do
    args[#args + 1] = m.fields[i]
    args[#args + 1] = spam_append(state.current[i + 1], record, SPAM_BAND_CAPACITY)
  end
  if fresh then
    args[#args + 1] = 't'
    args[#args + 1] = '1'
  end
  redis.call('HSET', m.current, unpack(args))
  if fresh then redis.call('PEXPIRE', m.current, 2 * m.period - m.now) end
end
)lua";
}

SpamMemoryStep SpamMemoryStepFor(const BodyRecord& record, absl::Time now) {
  SpamMemoryStep step;
  step.repeat_window_ms = std::max<int64_t>(1, absl::ToInt64Milliseconds(record.repeat_window));
  step.near_window_ms = std::max<int64_t>(1, absl::ToInt64Milliseconds(record.near_window));
  step.period_ms = std::max(step.repeat_window_ms, step.near_window_ms);
  const int64_t now_ms = std::max<int64_t>(0, absl::ToUnixMillis(now));
  const int64_t period = now_ms / step.period_ms;
  step.now_ms = now_ms % step.period_ms;
  step.keys = {redis::keys::SpamMemory(step.period_ms, period),
               redis::keys::SpamMemory(step.period_ms, period - 1)};
  // 128 bits of the body's digest are plenty to tell bodies apart.
  step.body_field = absl::StrCat("b", absl::string_view(record.body_digest).substr(0, 32));
  if (record.simhash) {
    for (int band = 0; band < kBands; ++band) {
      step.band_fields.push_back(
          absl::StrFormat("%d%04x", band, (*record.simhash >> (16 * band)) & 0xffff));
    }
    step.simhash_high = static_cast<uint32_t>(*record.simhash >> 32);
    step.simhash_low = static_cast<uint32_t>(*record.simhash);
  }
  step.author = AuthorTag(record.author_digest);
  step.max_distance = record.max_distance;
  return step;
}

nlohmann::json SpamMemoryPlan(const SpamMemoryStep& step) {
  nlohmann::json fields = nlohmann::json::array({step.body_field});
  for (const std::string& field : step.band_fields) {
    fields.push_back(field);
  }
  return {{"keys", step.keys},
          {"now_ms", step.now_ms},
          {"period_ms", step.period_ms},
          {"repeat_window_ms", step.repeat_window_ms},
          {"near_window_ms", step.near_window_ms},
          {"fields", std::move(fields)},
          {"simhash_high", step.simhash_high},
          {"simhash_low", step.simhash_low},
          {"author", step.author},
          {"max_distance", step.max_distance}};
}

RedisSpamMemory::RedisSpamMemory(redis::RedisClient& client, absl::Duration timeout,
                                 const Clock& clock)
    : client_(client), timeout_(timeout), clock_(clock) {}

void RedisSpamMemory::Recall(const BodyRecord& record,
                             absl::AnyInvocable<void(absl::StatusOr<Recollection>) &&> done) {
  SpamMemoryStep step = SpamMemoryStepFor(record, clock_.Now());
  std::string plan = SpamMemoryPlan(step).dump();
  client_.EvalScript(RecallScript(), std::move(step.keys), {std::move(plan)}, timeout_,
                     [done = std::move(done)](absl::StatusOr<RedisValue> reply) mutable {
                       if (!reply.ok()) {
                         std::move(done)(reply.status());
                         return;
                       }
                       if (reply->type != RedisValue::Type::kArray || reply->elements.size() != 2) {
                         std::move(done)(absl::DataLossError("malformed spam memory reply"));
                         return;
                       }
                       std::move(done)(Recollection{
                           .earlier_copies = reply->elements[0].integer,
                           .near_duplicate_authors = static_cast<int>(reply->elements[1].integer)});
                     });
}

void RedisSpamMemory::Remember(const BodyRecord& record) {
  SpamMemoryStep step = SpamMemoryStepFor(record, clock_.Now());
  std::string plan = SpamMemoryPlan(step).dump();
  client_.EvalScript(RememberScript(), std::move(step.keys), {std::move(plan)},
                     [](const absl::StatusOr<RedisValue>& reply) {
                       if (!reply.ok()) {
                         log::Warning("recent comment not remembered for repeat detection",
                                      {{"error", std::string(reply.status().message())}});
                       }
                     });
}

}  // namespace moderation::spam
