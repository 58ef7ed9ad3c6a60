#include "service/pow/redis_cost_ledger.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "service/common/log.h"
#include "service/storage/redis/keys.h"

namespace moderation::pow {
namespace {

// KEYS: the sources. ARGV: now (unix ms), weight, half-life (ms), cap, ttl (ms).
// Each score is decayed to now, raised by the weight and kept until it would
// have decayed to nothing.
const redis::RedisScript& RecordScript() {
  static const auto* script = new redis::RedisScript(R"lua(
local now, weight = tonumber(ARGV[1]), tonumber(ARGV[2])
local half_life, cap, ttl = tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
for _, key in ipairs(KEYS) do
  local score = 0
  local stored = redis.call('GET', key)
  if stored then
    local s, t = string.match(stored, '^([%d%.]+)|(%d+)$')
    if s then
      score = tonumber(s) * 2 ^ (-math.max(0, now - tonumber(t)) / half_life)
    end
  end
  score = math.min(cap, score + weight)
  redis.call('SET', key, string.format('%.4f|%d', score, now), 'PX', ttl)
end
return #KEYS
)lua");
  return *script;
}

std::vector<std::string> KeysOf(const std::vector<std::string>& sources) {
  std::vector<std::string> keys;
  keys.reserve(sources.size());
  for (const std::string& source : sources) {
    keys.push_back(redis::keys::PowCost(source));
  }
  return keys;
}

log::Sampler& FailureLog() {
  static auto* sampler = new log::Sampler(10);
  return *sampler;
}

}  // namespace

RedisCostLedger::RedisCostLedger(redis::RedisClient& client, const Clock& clock,
                                 CostOptions options)
    : client_(client), clock_(clock), options_(options) {}

void RedisCostLedger::Score(std::vector<std::string> sources,
                            absl::AnyInvocable<void(absl::StatusOr<double>) &&> done) {
  if (sources.empty()) {
    std::move(done)(0.0);
    return;
  }
  std::vector<std::string> command = {"MGET"};
  for (std::string& key : KeysOf(sources)) {
    command.push_back(std::move(key));
  }
  client_.Execute(std::move(command), [this, done = std::move(done)](
                                          const absl::StatusOr<redis::RedisValue>& reply) mutable {
    if (!reply.ok()) {
      std::move(done)(reply.status());
      return;
    }
    const absl::Time now = clock_.Now();
    double highest = 0;
    for (const redis::RedisValue& value : reply->elements) {
      if (value.type != redis::RedisValue::Type::kString) {
        continue;
      }
      const std::vector<absl::string_view> parts = absl::StrSplit(value.string, '|');
      double score = 0;
      int64_t at_ms = 0;
      if (parts.size() == 2 && absl::SimpleAtod(parts[0], &score) &&
          absl::SimpleAtoi(parts[1], &at_ms)) {
        highest =
            std::max(highest, Decayed(score, absl::FromUnixMillis(at_ms), now, options_.half_life));
      }
    }
    std::move(done)(highest);
  });
}

void RedisCostLedger::Record(std::vector<std::string> sources, double weight) {
  if (sources.empty() || weight <= 0) {
    return;
  }
  // Until the capped score has halved below a hundredth.
  const int64_t half_life_ms =
      std::max<int64_t>(1000, absl::ToInt64Milliseconds(options_.half_life));
  const auto ttl_ms =
      static_cast<int64_t>(static_cast<double>(half_life_ms) * std::log2(kMaxRefusalScore * 100));
  client_.EvalScript(
      RecordScript(), KeysOf(sources),
      {absl::StrCat(absl::ToUnixMillis(clock_.Now())), absl::StrCat(weight),
       absl::StrCat(half_life_ms), absl::StrCat(kMaxRefusalScore), absl::StrCat(ttl_ms)},
      [](const absl::StatusOr<redis::RedisValue>& reply) {
        if (!reply.ok() && FailureLog().Allow()) {
          log::Warning("refusal not recorded for the proof of work's cost",
                       {{"error", std::string(reply.status().message())}});
        }
      });
}

}  // namespace moderation::pow
