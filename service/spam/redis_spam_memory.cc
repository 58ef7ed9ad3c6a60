#include "service/spam/redis_spam_memory.h"

#include <set>

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

// KEYS: body counter, then band sets. ARGV: near window (ms).
// Returns {earlier copies, member, member, ...}.
const RedisScript& RecallScript() {
  static const auto* script = new RedisScript(R"lua(
local out = {tonumber(redis.call('GET', KEYS[1]) or '0')}
if #KEYS > 1 then
  local t = redis.call('TIME')
  local since = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - tonumber(ARGV[1])
  for i = 2, #KEYS do
    local members = redis.call('ZRANGE', KEYS[i], '+inf', since, 'BYSCORE', 'REV', 'LIMIT', 0, 64)
    for _, m in ipairs(members) do out[#out + 1] = m end
  end
end
return out
)lua");
  return *script;
}

// KEYS: body counter, then band sets. ARGV: repeat window (ms), near window
// (ms), member, band capacity.
const RedisScript& RememberScript() {
  static const auto* script = new RedisScript(R"lua(
local copies = redis.call('INCR', KEYS[1])
if copies == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
if #KEYS > 1 then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  for i = 2, #KEYS do
    redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - tonumber(ARGV[2]))
    redis.call('ZADD', KEYS[i], now, ARGV[3])
    redis.call('ZREMRANGEBYRANK', KEYS[i], 0, -tonumber(ARGV[4]) - 1)
    redis.call('PEXPIRE', KEYS[i], ARGV[2])
  end
end
return copies
)lua");
  return *script;
}

std::vector<std::string> KeysFor(const BodyRecord& record) {
  std::vector<std::string> keys = {redis::keys::SpamBody(record.body_digest)};
  if (record.simhash) {
    for (int band = 0; band < kBands; ++band) {
      const auto value = static_cast<unsigned>((*record.simhash >> (16 * band)) & 0xffff);
      keys.push_back(redis::keys::SpamNearBand(band, absl::StrFormat("%04x", value)));
    }
  }
  return keys;
}

std::string Millis(absl::Duration duration) {
  return absl::StrCat(std::max<int64_t>(1, absl::ToInt64Milliseconds(duration)));
}

}  // namespace

RedisSpamMemory::RedisSpamMemory(redis::RedisClient& client, absl::Duration timeout)
    : client_(client), timeout_(timeout) {}

void RedisSpamMemory::Recall(const BodyRecord& record,
                             absl::AnyInvocable<void(absl::StatusOr<Recollection>) &&> done) {
  client_.EvalScript(
      RecallScript(), KeysFor(record), {Millis(record.near_window)}, timeout_,
      [record, done = std::move(done)](absl::StatusOr<RedisValue> reply) mutable {
        if (!reply.ok()) {
          std::move(done)(reply.status());
          return;
        }
        if (reply->type != RedisValue::Type::kArray || reply->elements.empty()) {
          std::move(done)(absl::DataLossError("malformed spam memory reply"));
          return;
        }
        Recollection recollection;
        recollection.earlier_copies = reply->elements[0].integer;
        std::set<absl::string_view> authors;
        for (std::size_t i = 1; i < reply->elements.size() && record.simhash; ++i) {
          const std::string& member = reply->elements[i].string;
          const std::size_t colon = member.find(':');
          uint64_t other = 0;
          if (colon == std::string::npos ||
              !absl::SimpleHexAtoi(absl::string_view(member).substr(0, colon), &other)) {
            continue;
          }
          const absl::string_view author = absl::string_view(member).substr(colon + 1);
          if (author != record.author_digest &&
              HammingDistance(other, *record.simhash) <= record.max_distance) {
            authors.insert(author);
          }
        }
        recollection.near_duplicate_authors = static_cast<int>(authors.size());
        std::move(done)(recollection);
      });
}

void RedisSpamMemory::Remember(const BodyRecord& record) {
  const std::string member =
      record.simhash ? absl::StrFormat("%016x:%s", *record.simhash, record.author_digest) : "";
  client_.EvalScript(RememberScript(), KeysFor(record),
                     {Millis(record.repeat_window), Millis(record.near_window), member,
                      absl::StrCat(kBandCapacity)},
                     [](absl::StatusOr<RedisValue> reply) {
                       if (!reply.ok()) {
                         log::Warning("recent comment not remembered for repeat detection",
                                      {{"error", std::string(reply.status().message())}});
                       }
                     });
}

}  // namespace moderation::spam
