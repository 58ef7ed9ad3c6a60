#include "service/spam/redis_spam_memory.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "service/common/log.h"
#include "service/storage/redis/keys.h"

namespace moderation::spam {
namespace {

using redis::RedisScript;
using redis::RedisValue;

constexpr int kBands = 4;
// How many recent members each band keeps; enough for a flood, small to read.
constexpr int kBandCapacity = 256;
// Band members name their author by the first 64 bits of its digest: enough
// to tell authors apart, and short enough that a band set with few members
// stays in Redis's compact encoding (members up to 64 bytes).
constexpr std::size_t kAuthorDigits = 16;

// KEYS: body counter, then band sets. ARGV: near window (ms), simhash (16
// hex digits, or ''), author, max distance. Returns {earlier copies, other
// authors with a near-identical body}.
const RedisScript& RecallScript() {
  static const auto* script = new RedisScript(absl::StrCat(SpamMemoryLua(), R"lua(
local bands = {}
for i = 2, #KEYS do bands[#bands + 1] = KEYS[i] end
local copies, near = spam_recall(KEYS[1], bands, tonumber(ARGV[1]), ARGV[2], ARGV[3],
                                 tonumber(ARGV[4]), spam_now_ms())
return {copies, near}
)lua"));
  return *script;
}

// KEYS: body counter, then band sets. ARGV: repeat window (ms), near window
// (ms), member, band capacity.
const RedisScript& RememberScript() {
  static const auto* script = new RedisScript(absl::StrCat(SpamMemoryLua(), R"lua(
local bands = {}
for i = 2, #KEYS do bands[#bands + 1] = KEYS[i] end
return spam_remember(KEYS[1], bands, ARGV[1], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4]),
                     spam_now_ms())
)lua"));
  return *script;
}

}  // namespace

absl::string_view SpamMemoryLua() {
  return R"lua(
local function spam_now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- Bits set in a 32-bit value (SWAR: pairs, nibbles, then the four bytes).
local function spam_popcount(x)
  x = x - bit.band(bit.rshift(x, 1), 0x55555555)
  x = bit.band(x, 0x33333333) + bit.band(bit.rshift(x, 2), 0x33333333)
  x = bit.band(x + bit.rshift(x, 4), 0x0f0f0f0f)
  return bit.band(x, 0xff) + bit.band(bit.rshift(x, 8), 0xff) + bit.band(bit.rshift(x, 16), 0xff) +
         bit.rshift(x, 24)
end
-- Bits in which two SimHashes (16 hex digits each) differ, or more than
-- `limit` when they differ in more.
local function spam_distance(a, b, limit)
  local bits = spam_popcount(bit.bxor(tonumber(string.sub(a, 1, 8), 16),
                                      tonumber(string.sub(b, 1, 8), 16)))
  if bits > limit then return bits end
  return bits + spam_popcount(bit.bxor(tonumber(string.sub(a, 9, 16), 16),
                                       tonumber(string.sub(b, 9, 16), 16)))
end
-- How often this body was posted within the repeat window, and how many other
-- authors posted a body within `max_distance` bits of `simhash` within the
-- near window. Band sets hold "simhash:author" members scored by time; only
-- the most recent few of each are compared (a flood is recent), and a member
-- found in several bands is compared once.
local function spam_recall(body_key, band_keys, near_window_ms, simhash, author, max_distance,
                           now_ms)
  local copies = tonumber(redis.call('GET', body_key) or '0')
  local compared, authors, near = {}, {}, 0
  if #band_keys > 0 and simhash ~= '' then
    local since = now_ms - near_window_ms
    for _, key in ipairs(band_keys) do
      local members = redis.call('ZRANGE', key, '+inf', since, 'BYSCORE', 'REV', 'LIMIT', 0, 16)
      for _, m in ipairs(members) do
        if not compared[m] then
          compared[m] = true
          local other = string.sub(m, 18)
          if string.sub(m, 17, 17) == ':' and other ~= author and not authors[other] and
              spam_distance(string.sub(m, 1, 16), simhash, max_distance) <= max_distance then
            authors[other] = true
            near = near + 1
          end
        end
      end
    end
  end
  return copies, near
end
-- Counts this body and files its SimHash under each band. Old members are
-- left for reads to skip (by time); one call in 32 (by its millisecond) trims
-- the bands to their most recent `capacity`, so a flooded band stays small
-- without a size check on every call.
local function spam_remember(body_key, band_keys, repeat_window_ms, near_window_ms, member,
                             capacity, now_ms)
  local copies = redis.call('INCR', body_key)
  if copies == 1 then redis.call('PEXPIRE', body_key, repeat_window_ms) end
  for _, key in ipairs(band_keys) do
    redis.call('ZADD', key, now_ms, member)
    if now_ms % 32 == 0 then redis.call('ZREMRANGEBYRANK', key, 0, -capacity - 1) end
    redis.call('PEXPIRE', key, near_window_ms)
  end
  return copies
end
)lua";
}

std::vector<std::string> SpamMemoryKeys(const BodyRecord& record) {
  std::vector<std::string> keys = {redis::keys::SpamBody(record.body_digest)};
  if (record.simhash) {
    for (int band = 0; band < kBands; ++band) {
      const auto value = static_cast<unsigned>((*record.simhash >> (16 * band)) & 0xffff);
      keys.push_back(redis::keys::SpamNearBand(band, absl::StrFormat("%04x", value)));
    }
  }
  return keys;
}

std::string SpamWindowMillis(absl::Duration duration) {
  return absl::StrCat(std::max<int64_t>(1, absl::ToInt64Milliseconds(duration)));
}

std::string SpamMemoryAuthor(const BodyRecord& record) {
  return record.author_digest.substr(0, kAuthorDigits);
}

std::string SpamMemoryMember(const BodyRecord& record) {
  return record.simhash ? absl::StrFormat("%016x:%s", *record.simhash, SpamMemoryAuthor(record))
                        : "";
}

std::string SpamSimHashHex(const BodyRecord& record) {
  return record.simhash ? absl::StrFormat("%016x", *record.simhash) : "";
}

int SpamBandCapacity() { return kBandCapacity; }

RedisSpamMemory::RedisSpamMemory(redis::RedisClient& client, absl::Duration timeout)
    : client_(client), timeout_(timeout) {}

void RedisSpamMemory::Recall(const BodyRecord& record,
                             absl::AnyInvocable<void(absl::StatusOr<Recollection>) &&> done) {
  client_.EvalScript(RecallScript(), SpamMemoryKeys(record),
                     {SpamWindowMillis(record.near_window), SpamSimHashHex(record),
                      SpamMemoryAuthor(record), absl::StrCat(record.max_distance)},
                     timeout_, [done = std::move(done)](absl::StatusOr<RedisValue> reply) mutable {
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
  client_.EvalScript(RememberScript(), SpamMemoryKeys(record),
                     {SpamWindowMillis(record.repeat_window), SpamWindowMillis(record.near_window),
                      SpamMemoryMember(record), absl::StrCat(kBandCapacity)},
                     [](const absl::StatusOr<RedisValue>& reply) {
                       if (!reply.ok()) {
                         log::Warning("recent comment not remembered for repeat detection",
                                      {{"error", std::string(reply.status().message())}});
                       }
                     });
}

}  // namespace moderation::spam
