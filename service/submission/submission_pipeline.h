#pragma once

#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "service/bans/ban.h"
#include "service/captcha/captcha_service.h"
#include "service/comments/comment_repository.h"
#include "service/common/clock.h"
#include "service/common/ids.h"
#include "service/common/random.h"
#include "service/crypto/secrets.h"
#include "service/pow/altcha.h"
#include "service/pow/cost.h"
#include "service/privacy/pseudonymiser.h"
#include "service/ratelimit/limit_keys.h"
#include "service/ratelimit/rate_limiter.h"
#include "service/spam/spam_memory.h"
#include "service/spam/spam_scorer.h"
#include "service/submission/submission_store.h"
#include "service/validation/submission_fields.h"

namespace moderation::submission {

enum class SubmissionOutcome { kPendingModeration, kRefused };

struct SubmissionResult {
  std::string comment_id;  // empty when refused
  SubmissionOutcome outcome = SubmissionOutcome::kPendingModeration;
  std::string refusal_reason;  // stable code when refused, e.g. "BANNED"
  bool replayed = false;       // answered from an earlier attempt with the same key
};

struct SubmissionOptions {
  validation::FieldLimits limits;
  absl::Duration idempotency_ttl = absl::Hours(24);
  ratelimit::SubmissionLimits rate_limits;
  ratelimit::AllowList allow_list;  // addresses that skip rate limits
  bool check_bans = true;
  // A banned author's comment is accepted and dropped instead of refused, so
  // that a spammer does not learn of the ban.
  bool silent_bans = false;
};

// Spam scoring for the pipeline. Without a scorer, no scoring; without
// `recall_bodies`, no memory of recent comments (repeats, near-duplicates).
struct SpamCheck {
  const spam::SpamScorer* scorer = nullptr;
  bool recall_bodies = true;
};

// The proof of work. Without `altcha`, none is asked; without `ledger`,
// refusals do not raise a source's cost.
struct ProofOfWorkCheck {
  const pow::Altcha* altcha = nullptr;
  pow::CostLedger* ledger = nullptr;
  pow::CostObserver observer;
};

// The path of a reader's comment: validate and normalise every field, score
// it with the spam rules and prepare the comment; then, in one atomic round
// trip to storage (SubmissionStore), use up the captcha, apply the rate
// limits, look up bans, the idempotency key and earlier copies of the body,
// and queue the comment when all of them allow it (flagged when its score
// says so). A retry with the same idempotency key gets the first answer and
// queues nothing. Thread-safe; callbacks may run on storage threads.
class SubmissionPipeline {
 public:
  // `limiter` may be null: no rate limits. With `pow.altcha`,
  // `altcha_payload` must be a fresh solution (one use); with `pow.ledger`,
  // every refusal (a wrong captcha or proof of work, a limit, a ban, the spam
  // rules) raises the cost for the request's address, network and phone.
  SubmissionPipeline(captcha::CaptchaService& captchas, SubmissionStore& store,
                     ratelimit::RateLimiter* limiter, CommentIdGenerator& ids, const Clock& clock,
                     RandomSource& random, const crypto::ServiceKeys& keys,
                     SubmissionOptions options, SpamCheck spam = {}, ProofOfWorkCheck pow = {});

  // OK once the comment is durably stored, or with outcome kRefused when its
  // author is banned or its spam score reaches the reject threshold. INVALID_ARGUMENT naming every
  // bad field (captcha and proof-of-work problems included, see pow::Altcha::Verify;
  // ALTCHA_ALREADY_USED for a reused one); RESOURCE_EXHAUSTED (reason RATE_LIMITED, with
  // retry-after) over a limit; UNAVAILABLE when storage is down.
  void Submit(const validation::RawSubmission& raw,
              absl::AnyInvocable<void(absl::StatusOr<SubmissionResult>) &&> done);

 private:
  struct Attempt;

  [[nodiscard]] comments::Comment BuildComment(const Attempt& attempt);
  void Examine(Attempt& attempt);
  void Conclude(Attempt& attempt, absl::StatusOr<SubmissionReply> reply);
  // Counts a refusal against the attempt's sources, when there is a ledger.
  void CountRefusal(const Attempt& attempt) const;

  captcha::CaptchaService& captchas_;
  SubmissionStore& store_;
  ratelimit::RateLimiter* limiter_;
  CommentIdGenerator& ids_;
  const Clock& clock_;
  RandomSource& random_;
  const crypto::ServiceKeys& keys_;
  const privacy::Pseudonymiser pseudonymiser_;  // of keys_.lookup_key
  const SubmissionOptions options_;
  const SpamCheck spam_;
  const ProofOfWorkCheck pow_;
};

}  // namespace moderation::submission
