#include "service/captcha/redis_captcha_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "service/storage/redis/keys.h"

namespace moderation::captcha {

absl::string_view CaptchaTakeLua() {
  return R"lua(
-- Reads and marks used in one command (XX: a missing captcha stays missing):
-- 0 = missing, 1 = used, else the digest.
-- Whether `digest` is one of the answers in a stored value: one digest, or
-- two side by side for an audio captcha (CaptchaService::AnswerMatches).
local function captcha_matches(stored, digest)
  if type(stored) ~= 'string' or #digest == 0 then return false end
  local right = false
  for i = 1, #stored - #digest + 1, #digest do
    right = right or string.sub(stored, i, i + #digest - 1) == digest
  end
  return right
end
local function captcha_take(key)
  local digest = redis.call('SET', key, '', 'XX', 'KEEPTTL', 'GET')
  if not digest then return 0 end
  if digest == '' then return 1 end
  return digest
end
)lua";
}

namespace {

const redis::RedisScript& TakeScript() {
  static const auto* script =
      new redis::RedisScript(absl::StrCat(CaptchaTakeLua(), "return captcha_take(KEYS[1])\n"));
  return *script;
}

}  // namespace

RedisCaptchaStore::RedisCaptchaStore(redis::RedisClient& client) : client_(client) {}

void RedisCaptchaStore::Save(const std::string& captcha_id, const std::string& answer_digest,
                             absl::Duration ttl, absl::AnyInvocable<void(absl::Status) &&> done) {
  client_.Execute({"SET", redis::keys::Captcha(captcha_id), answer_digest, "PX",
                   absl::StrCat(absl::ToInt64Milliseconds(ttl))},
                  [done = std::move(done)](const absl::StatusOr<redis::RedisValue>& reply) mutable {
                    std::move(done)(reply.status());
                  });
}

void RedisCaptchaStore::Take(const std::string& captcha_id,
                             absl::AnyInvocable<void(absl::StatusOr<TakeResult>) &&> done) {
  client_.EvalScript(TakeScript(), {redis::keys::Captcha(captcha_id)}, {},
                     [done = std::move(done)](absl::StatusOr<redis::RedisValue> reply) mutable {
                       if (!reply.ok()) {
                         std::move(done)(reply.status());
                         return;
                       }
                       TakeResult result;
                       if (reply->type == redis::RedisValue::Type::kString) {
                         result.outcome = TakeOutcome::kTaken;
                         result.answer_digest = std::move(reply->string);
                       } else {
                         result.outcome = reply->integer == 1 ? TakeOutcome::kAlreadyUsed
                                                              : TakeOutcome::kMissing;
                       }
                       std::move(done)(std::move(result));
                     });
}

void RedisCaptchaStore::ClaimProofOfWork(const std::string& challenge, absl::Duration ttl,
                                         absl::AnyInvocable<void(absl::StatusOr<bool>) &&> done) {
  client_.Execute({"SET", redis::keys::ProofOfWork(challenge), "1", "NX", "PX",
                   absl::StrCat(std::max<int64_t>(1, absl::ToInt64Milliseconds(ttl)))},
                  [done = std::move(done)](const absl::StatusOr<redis::RedisValue>& reply) mutable {
                    if (!reply.ok()) {
                      std::move(done)(reply.status());
                      return;
                    }
                    // OK when set; nil when the key was there already.
                    std::move(done)(reply->type != redis::RedisValue::Type::kNil);
                  });
}

}  // namespace moderation::captcha
