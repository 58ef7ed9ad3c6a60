#include "service/retention/redis_retention_store.h"

#include <future>

#include "absl/strings/str_cat.h"
#include "service/common/status_macros.h"
#include "service/storage/redis/keys.h"

namespace moderation::retention {
namespace {

// KEYS: the pending queue, then the comment hashes. ARGV: erase decided
// before (ms, '' for never), expire pending created before (ms, '' for
// never), author-index key prefix, claim key prefix, comment key prefix.
// The author indexes and claims are named here from the hash's fields; they
// share the tag {c}. A field missing from an old hash counts as time 0, so
// such comments are cleaned up rather than kept for ever. Returns
// {erased ids, expired ids}, so that the caller can audit each comment.
const redis::RedisScript& SweepScript() {
  static const auto* script = new redis::RedisScript(R"lua(
local erase_before = tonumber(ARGV[1])
local expire_before = tonumber(ARGV[2])
local function leave_histories(id, phone_digest, ip)
  if phone_digest and #phone_digest >= 32 then
    redis.call('ZREM', ARGV[3] .. 'ph-' .. string.sub(phone_digest, 1, 32), id)
  end
  if ip and #ip >= 32 then
    redis.call('ZREM', ARGV[3] .. 'ip-' .. string.sub(ip, 1, 32), id)
  end
end
local erased, expired = {}, {}
for i = 2, #KEYS do
  local key = KEYS[i]
  local v = redis.call('HMGET', key, 'status', 'created_ms', 'decided_ms', 'phone',
                       'phone_digest', 'ip', 'ua')
  local id = string.sub(key, #ARGV[5] + 1)
  if v[1] == 'pending' then
    if expire_before and (tonumber(v[2]) or 0) < expire_before then
      leave_histories(id, v[5], v[6])
      redis.call('ZREM', KEYS[1], '0' .. id, '1' .. id)
      redis.call('DEL', ARGV[4] .. id, key)
      expired[#expired + 1] = id
    end
  elseif v[1] and erase_before and (v[4] or v[5] or v[6] or v[7])
      and (tonumber(v[3]) or 0) < erase_before then
    leave_histories(id, v[5], v[6])
    redis.call('HDEL', key, 'phone', 'phone_digest', 'ip', 'ua')
    erased[#erased + 1] = id
  end
end
return {erased, expired}
)lua",
                                                     redis::WriteAck::kReplicated);
  return *script;
}

std::string MillisOrNever(absl::Time time) {
  return time == absl::InfinitePast() ? "" : absl::StrCat(absl::ToUnixMillis(time));
}

absl::StatusOr<redis::RedisValue> Wait(const std::function<void(redis::ReplyCallback)>& send) {
  std::promise<absl::StatusOr<redis::RedisValue>> reply;
  std::future<absl::StatusOr<redis::RedisValue>> result = reply.get_future();
  send([&reply](absl::StatusOr<redis::RedisValue> value) mutable {
    reply.set_value(std::move(value));
  });
  return result.get();
}

}  // namespace

absl::StatusOr<SweepStep> RedisRetentionStore::Sweep(absl::string_view cursor, int count,
                                                     const SweepCutoffs& cutoffs) {
  ASSIGN_OR_RETURN(redis::RedisValue scanned, Wait([&](redis::ReplyCallback done) {
                     client_.Execute({"SCAN", std::string(cursor), "MATCH",
                                      absl::StrCat(redis::keys::kCommentPrefix, "*"), "COUNT",
                                      std::to_string(count), "TYPE", "hash"},
                                     std::move(done));
                   }));
  if (scanned.type != redis::RedisValue::Type::kArray || scanned.elements.size() != 2) {
    return absl::InternalError("unexpected SCAN reply");
  }
  SweepStep step;
  step.next_cursor = scanned.elements[0].string;
  const std::vector<redis::RedisValue>& found = scanned.elements[1].elements;
  if (found.empty()) {
    return step;
  }
  std::vector<std::string> keys = {redis::keys::PendingQueue()};
  for (const redis::RedisValue& key : found) {
    keys.push_back(key.string);
  }
  ASSIGN_OR_RETURN(redis::RedisValue swept, Wait([&](redis::ReplyCallback done) {
                     client_.EvalScript(SweepScript(), std::move(keys),
                                        {MillisOrNever(cutoffs.erase_decided_before),
                                         MillisOrNever(cutoffs.expire_pending_before),
                                         std::string(redis::keys::AuthorIndex("")),
                                         std::string(redis::keys::kClaimPrefix),
                                         std::string(redis::keys::kCommentPrefix)},
                                        std::move(done));
                   }));
  if (swept.type != redis::RedisValue::Type::kArray || swept.elements.size() != 2 ||
      swept.elements[0].type != redis::RedisValue::Type::kArray ||
      swept.elements[1].type != redis::RedisValue::Type::kArray) {
    return absl::InternalError("unexpected sweep reply");
  }
  for (redis::RedisValue& id : swept.elements[0].elements) {
    step.erased_ids.push_back(std::move(id.string));
  }
  for (redis::RedisValue& id : swept.elements[1].elements) {
    step.expired_ids.push_back(std::move(id.string));
  }
  step.counts.examined = static_cast<int64_t>(found.size());
  step.counts.erased = static_cast<int64_t>(step.erased_ids.size());
  step.counts.expired = static_cast<int64_t>(step.expired_ids.size());
  return step;
}

}  // namespace moderation::retention
