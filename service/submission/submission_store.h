#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "service/captcha/captcha_service.h"
#include "service/comments/comment.h"
#include "service/comments/comment_repository.h"
#include "service/ratelimit/limit_store.h"
#include "service/spam/spam_memory.h"
#include "service/spam/spam_scorer.h"

namespace moderation::submission {

// The comment as stored for one answer of the memory of recent comments.
struct StoredVerdict {
  spam::SpamAction action = spam::SpamAction::kQueue;  // kReject: store nothing
  double score = 0;
  std::vector<comments::SpamSignal> signals;  // counts in details are spam::kCountMark
};

// Everything a submission asks of storage, prepared so that it can be done in
// one atomic step: read the idempotency record, use the captcha up, apply the
// limits, look for bans, recall the body, and then, only when all of them
// allow it, record the limits' events and the body and queue the comment.
// The one use of a verified proof of work.
struct ProofOfWorkClaim {
  std::string challenge;
  absl::Duration ttl;  // until the challenge expires
};

struct SubmissionPlan {
  std::optional<comments::IdempotencyRecord> idempotency;
  captcha::CaptchaAttempt captcha;
  // Used up by any attempt, like the captcha; the comment is stored only when
  // this attempt was its first use.
  std::optional<ProofOfWorkClaim> proof_of_work;
  // Recorded only when no check that is not in shadow mode refuses.
  std::vector<ratelimit::GcraCheck> limits;
  std::vector<bool> limit_shadow;
  // Per check: counts a wrong captcha answer (wrong_answer_ip), where every
  // other limit counts only a submission whose answer was right.
  std::vector<bool> limit_counts_wrong_answers;
  // Per check: a store that cannot answer it refuses the comment (else the
  // check is skipped). Only for stores that keep limits apart.
  std::vector<bool> limit_required;
  std::vector<std::string> ban_ids;
  // The memory of recent bodies: asked always, told once the comment is past
  // the captcha, the limits and the bans (whatever the spam verdict).
  std::optional<spam::BodyRecord> body;
  bool repeat_eligible = false;
  int near_duplicate_min_authors = 1;
  // The comment, its spam fields unset; stored with the verdict that matches
  // what the memory recalled (see spam::FindingOf).
  comments::Comment comment;
  StoredVerdict if_nothing;
  StoredVerdict if_repeat;
  StoredVerdict if_near_duplicate;
};

struct SubmissionReply {
  // Set when the idempotency key was used before: nothing else was done.
  std::optional<comments::PriorSubmission> prior;
  captcha::TakeResult captcha;
  bool proof_of_work_reused = false;  // the plan's proof of work was used before
  std::vector<absl::StatusOr<ratelimit::GcraResult>> limits;  // one per check
  bool banned = false;
  spam::Recollection recollection;
  bool stored = false;  // the comment is queued
};

// Where a submission's checks and writes happen. Implementations do the whole
// plan in one round trip to storage and never leave part of it done.
class SubmissionStore {
 public:
  virtual ~SubmissionStore() = default;
  // UNAVAILABLE when storage cannot be reached or did not answer in time (a
  // retry with the same idempotency key then finds out whether it was stored).
  virtual void Commit(SubmissionPlan plan,
                      absl::AnyInvocable<void(absl::StatusOr<SubmissionReply>) &&> done) = 0;
};

}  // namespace moderation::submission
