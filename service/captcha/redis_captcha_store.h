#pragma once

#include "service/captcha/captcha_store.h"
#include "service/storage/redis/redis_client.h"

namespace moderation::captcha {

// The Lua functions captcha_take(key) behind RedisCaptchaStore::Take and
// captcha_matches(stored, digest) (CaptchaService::AnswerMatches), for
// scripts that use a captcha as one step of a larger change.
[[nodiscard]] absl::string_view CaptchaTakeLua();

// Captchas in Redis: one string key per captcha (see storage/redis/keys.h),
// expiring with it; taking it leaves an empty "used" marker until then.
class RedisCaptchaStore final : public CaptchaStore {
 public:
  explicit RedisCaptchaStore(redis::RedisClient& client);

  void Save(const std::string& captcha_id, const std::string& answer_digest, absl::Duration ttl,
            absl::AnyInvocable<void(absl::Status) &&> done) override;
  void Take(const std::string& captcha_id,
            absl::AnyInvocable<void(absl::StatusOr<TakeResult>) &&> done) override;
  void ClaimProofOfWork(const std::string& challenge, absl::Duration ttl,
                        absl::AnyInvocable<void(absl::StatusOr<bool>) &&> done) override;

 private:
  redis::RedisClient& client_;
};

}  // namespace moderation::captcha
