#include "service/bans/redis_ban_store.h"

#include "absl/strings/str_cat.h"
#include "service/common/errors.h"
#include "service/storage/redis/keys.h"

namespace moderation::bans {
namespace {

// KEYS: ban key, index. ARGV: id, value, created ms, ttl ms ('' for ever).
const redis::RedisScript& PutScript() {
  static const auto* script = new redis::RedisScript(R"lua(
if ARGV[4] == '' then
  redis.call('SET', KEYS[1], ARGV[2])
else
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[4])
end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return 1
)lua");
  return *script;
}

// KEYS: ban key, index. ARGV: id. Returns 1 if a live ban was lifted.
const redis::RedisScript& DeleteScript() {
  static const auto* script = new redis::RedisScript(R"lua(
local removed = redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return removed
)lua");
  return *script;
}

// KEYS: index. ARGV: ban key prefix, offset, limit. Drops index entries whose
// ban expired, then returns the live bans' values, newest first.
const redis::RedisScript& ListScript() {
  static const auto* script = new redis::RedisScript(R"lua(
local ids = redis.call('ZREVRANGE', KEYS[1], 0, -1)
local live = {}
for _, id in ipairs(ids) do
  local value = redis.call('GET', ARGV[1] .. id)
  if value then
    live[#live + 1] = value
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
local out = {}
local first = tonumber(ARGV[2]) + 1
local last = math.min(#live, tonumber(ARGV[2]) + tonumber(ARGV[3]))
for i = first, last do out[#out + 1] = live[i] end
return out
)lua");
  return *script;
}

}  // namespace

RedisBanStore::RedisBanStore(redis::RedisClient& client, const Clock& clock)
    : client_(client), clock_(clock) {}

void RedisBanStore::Put(Ban ban, absl::AnyInvocable<void(absl::Status) &&> done) {
  std::string ttl;
  if (ban.expire_time) {
    const int64_t millis = absl::ToInt64Milliseconds(*ban.expire_time - clock_.Now());
    ttl = absl::StrCat(std::max<int64_t>(1, millis));
  }
  client_.EvalScript(
      PutScript(), {redis::keys::Ban(ban.id), redis::keys::BanIndex()},
      {ban.id, EncodeBan(ban), absl::StrCat(absl::ToUnixMillis(ban.create_time)), ttl},
      [done = std::move(done)](const absl::StatusOr<redis::RedisValue>& reply) mutable {
        std::move(done)(reply.status());
      });
}

void RedisBanStore::Delete(const std::string& ban_id,
                           absl::AnyInvocable<void(absl::Status) &&> done) {
  client_.EvalScript(
      DeleteScript(), {redis::keys::Ban(ban_id), redis::keys::BanIndex()}, {ban_id},
      [ban_id, done = std::move(done)](absl::StatusOr<redis::RedisValue> reply) mutable {
        if (!reply.ok()) {
          std::move(done)(reply.status());
          return;
        }
        if (reply->integer == 0) {
          std::move(done)(ErrorWithReasonCode(absl::StatusCode::kNotFound, "BAN_NOT_FOUND",
                                              absl::StrCat("no live ban ", ban_id)));
          return;
        }
        std::move(done)(absl::OkStatus());
      });
}

void RedisBanStore::List(int offset, int limit,
                         absl::AnyInvocable<void(absl::StatusOr<std::vector<Ban>>) &&> done) {
  client_.EvalScript(
      ListScript(), {redis::keys::BanIndex()},
      {std::string(redis::keys::kBanPrefix), absl::StrCat(offset), absl::StrCat(limit)},
      [done = std::move(done)](absl::StatusOr<redis::RedisValue> reply) mutable {
        if (!reply.ok()) {
          std::move(done)(reply.status());
          return;
        }
        std::vector<Ban> bans;
        for (const redis::RedisValue& value : reply->elements) {
          if (std::optional<Ban> ban = DecodeBan(value.string)) {
            bans.push_back(*std::move(ban));
          }
        }
        std::move(done)(std::move(bans));
      });
}

void RedisBanStore::FindAny(std::vector<std::string> ban_ids, absl::Duration timeout,
                            absl::AnyInvocable<void(absl::StatusOr<std::optional<Ban>>) &&> done) {
  redis::Command command = {"MGET"};
  for (const std::string& id : ban_ids) {
    command.push_back(redis::keys::Ban(id));
  }
  client_.Execute(std::move(command), timeout,
                  [done = std::move(done)](absl::StatusOr<redis::RedisValue> reply) mutable {
                    if (!reply.ok()) {
                      std::move(done)(reply.status());
                      return;
                    }
                    for (const redis::RedisValue& value : reply->elements) {
                      if (!value.is_nil()) {
                        std::move(done)(DecodeBan(value.string));
                        return;
                      }
                    }
                    std::move(done)(std::optional<Ban>());
                  });
}

}  // namespace moderation::bans
