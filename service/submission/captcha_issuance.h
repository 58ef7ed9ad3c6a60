#pragma once

#include <string>

#include "service/captcha/captcha_service.h"
#include "service/crypto/secrets.h"
#include "service/pow/cost.h"
#include "service/privacy/pseudonymiser.h"
#include "service/ratelimit/limit_keys.h"
#include "service/ratelimit/rate_limiter.h"

namespace moderation::submission {

struct IssuanceOptions {
  ratelimit::CaptchaLimits rate_limits;
  ratelimit::AllowList allow_list;
  // The proof of work's cost, when an Altcha is given: its base maxnumber,
  // raised by the source's refusals when a ledger is given.
  pow::CostOptions cost;
  pow::CostObserver observer;
};

// Hands out captchas within the issuance limits, so that nobody can mint (and
// make us draw) captchas without bound. Thread-safe.
class CaptchaIssuance {
 public:
  // `limiter` may be null: no limits. `altcha` may be null: no proof of work;
  // else each captcha comes with a challenge (IssuedCaptcha::altcha).
  CaptchaIssuance(captcha::CaptchaService& captchas, ratelimit::RateLimiter* limiter,
                  const crypto::ServiceKeys& keys, IssuanceOptions options,
                  pow::Altcha* altcha = nullptr, pow::CostLedger* ledger = nullptr);

  // `client_ip` is canonical, or empty when the portal did not send it.
  // RESOURCE_EXHAUSTED (RATE_LIMITED, with retry-after) over a limit;
  // otherwise as CaptchaService::Create.
  void Create(const std::string& client_ip, bool audio,
              absl::AnyInvocable<void(absl::StatusOr<captcha::IssuedCaptcha>) &&> done);

  // Uses up `old_captcha_id` and issues a new captcha, as Create.
  void Refresh(const std::string& old_captcha_id, const std::string& client_ip, bool audio,
               absl::AnyInvocable<void(absl::StatusOr<captcha::IssuedCaptcha>) &&> done);

 private:
  // Attaches a challenge priced for `score` refusals.
  void Price(captcha::IssuedCaptcha& issued, double score);

  captcha::CaptchaService& captchas_;
  ratelimit::RateLimiter* limiter_;
  const crypto::ServiceKeys& keys_;
  const privacy::Pseudonymiser pseudonymiser_;  // of keys_.lookup_key
  const IssuanceOptions options_;
  pow::Altcha* altcha_;
  pow::CostLedger* ledger_;
};

}  // namespace moderation::submission
