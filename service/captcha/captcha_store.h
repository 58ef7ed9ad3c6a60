#pragma once

#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace moderation::captcha {

enum class TakeOutcome {
  kTaken,        // the digest is returned and the captcha is now used up
  kMissing,      // never issued, or expired
  kAlreadyUsed,  // an earlier attempt used it
};

struct TakeResult {
  TakeOutcome outcome = TakeOutcome::kMissing;
  std::string answer_digest;  // set when kTaken
};

// Where issued captchas wait for their one attempt. Asynchronous: callbacks may
// run on another thread, or inline. Thread-safe.
class CaptchaStore {
 public:
  virtual ~CaptchaStore() = default;

  // Keeps `answer_digest` under `captcha_id` for `ttl`. UNAVAILABLE when the
  // store is unreachable.
  virtual void Save(const std::string& captcha_id, const std::string& answer_digest,
                    absl::Duration ttl, absl::AnyInvocable<void(absl::Status) &&> done) = 0;

  // Atomically reads the digest and marks the captcha used, so that exactly one
  // attempt ever sees it. UNAVAILABLE when the store is unreachable.
  virtual void Take(const std::string& captcha_id,
                    absl::AnyInvocable<void(absl::StatusOr<TakeResult>) &&> done) = 0;

  // Records the one use of a proof of work (its challenge) for `ttl`: true
  // when this call was the first, false when it was used before. UNAVAILABLE
  // when the store is unreachable.
  virtual void ClaimProofOfWork(const std::string& challenge, absl::Duration ttl,
                                absl::AnyInvocable<void(absl::StatusOr<bool>) &&> done) = 0;
};

}  // namespace moderation::captcha
