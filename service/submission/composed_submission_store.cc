#include "service/submission/composed_submission_store.h"

#include <atomic>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/synchronization/mutex.h"
#include "service/crypto/crypto.h"

namespace moderation::submission {

StoredVerdict StoredVerdictFor(const SubmissionPlan& plan, const spam::Recollection& recollection) {
  spam::BodyTraces traces;
  traces.repeat_eligible = plan.repeat_eligible;
  if (plan.body) {
    traces.simhash = plan.body->simhash;
  }
  StoredVerdict verdict;
  int64_t count = 0;
  switch (spam::FindingOf(traces, plan.near_duplicate_min_authors, recollection)) {
    case spam::MemoryFinding::kNothing:
      return plan.if_nothing;
    case spam::MemoryFinding::kRepeat:
      verdict = plan.if_repeat;
      count = recollection.earlier_copies + 1;
      break;
    case spam::MemoryFinding::kNearDuplicate:
      verdict = plan.if_near_duplicate;
      count = recollection.near_duplicate_authors;
      break;
  }
  for (comments::SpamSignal& signal : verdict.signals) {
    absl::StrReplaceAll({{std::string(1, spam::kCountMark), absl::StrCat(count)}}, &signal.detail);
  }
  return verdict;
}

// The lookups of one Commit, gathered as they answer.
struct ComposedSubmissionStore::Commitment {
  SubmissionPlan plan;
  absl::AnyInvocable<void(absl::StatusOr<SubmissionReply>) &&> done;
  std::atomic<int> awaiting{0};

  absl::Mutex mutex;
  absl::StatusOr<std::optional<comments::PriorSubmission>> prior ABSL_GUARDED_BY(mutex);
  absl::StatusOr<captcha::TakeResult> captcha ABSL_GUARDED_BY(mutex);
  absl::StatusOr<bool> pow_fresh ABSL_GUARDED_BY(mutex) = true;
  std::vector<absl::StatusOr<ratelimit::GcraResult>> limits ABSL_GUARDED_BY(mutex);
  bool banned ABSL_GUARDED_BY(mutex) = false;
  spam::Recollection recollection ABSL_GUARDED_BY(mutex);

  // Runs `finish` once the last lookup has answered.
  template <typename Finish>
  void Answered(Finish& finish) {
    if (awaiting.fetch_sub(1) == 1) {
      finish();
    }
  }
};

ComposedSubmissionStore::ComposedSubmissionStore(captcha::CaptchaStore& captchas,
                                                 comments::CommentRepository& repository,
                                                 ratelimit::LimitStore* limits,
                                                 bans::BanStore* bans, spam::SpamMemory* memory,
                                                 ComposedStoreOptions options)
    : captchas_(captchas),
      repository_(repository),
      limits_(limits),
      bans_(bans),
      memory_(memory),
      options_(options) {}

void ComposedSubmissionStore::Commit(
    SubmissionPlan plan, absl::AnyInvocable<void(absl::StatusOr<SubmissionReply>) &&> done) {
  auto commitment = std::make_shared<Commitment>();
  commitment->plan = std::move(plan);
  commitment->done = std::move(done);
  commitment->prior = std::optional<comments::PriorSubmission>();
  commitment->captcha = absl::UnavailableError("captcha not checked");
  const SubmissionPlan& p = commitment->plan;
  const bool ask_prior = p.idempotency.has_value();
  const bool ask_limits = limits_ != nullptr && !p.limits.empty();
  const bool ask_bans = bans_ != nullptr && !p.ban_ids.empty();
  const bool ask_memory = memory_ != nullptr && p.body.has_value();
  const bool ask_pow = p.proof_of_work.has_value();
  commitment->awaiting = 1 + (ask_prior ? 1 : 0) + (ask_limits ? 1 : 0) + (ask_bans ? 1 : 0) +
                         (ask_memory ? 1 : 0) + (ask_pow ? 1 : 0);
  auto finish = [this, commitment] { Finish(commitment); };

  if (ask_prior) {
    repository_.FindPrior(
        p.idempotency->key_digest,
        [commitment,
         finish](absl::StatusOr<std::optional<comments::PriorSubmission>> prior) mutable {
          {
            absl::MutexLock lock(&commitment->mutex);
            commitment->prior = std::move(prior);
          }
          commitment->Answered(finish);
        });
  }
  if (ask_limits) {
    limits_->CheckAll(
        p.limits, options_.limit_timeout,
        [commitment, finish](std::vector<absl::StatusOr<ratelimit::GcraResult>> results) mutable {
          {
            absl::MutexLock lock(&commitment->mutex);
            commitment->limits = std::move(results);
          }
          commitment->Answered(finish);
        });
  }
  if (ask_bans) {
    bans_->FindAny(p.ban_ids, options_.ban_timeout,
                   [commitment, finish](absl::StatusOr<std::optional<bans::Ban>> found) mutable {
                     {
                       absl::MutexLock lock(&commitment->mutex);
                       commitment->banned = found.ok() && found->has_value();
                     }
                     commitment->Answered(finish);
                   });
  }
  if (ask_memory) {
    memory_->Recall(*p.body,
                    [commitment, finish](absl::StatusOr<spam::Recollection> recalled) mutable {
                      if (recalled.ok()) {
                        absl::MutexLock lock(&commitment->mutex);
                        commitment->recollection = *recalled;
                      }
                      commitment->Answered(finish);
                    });
  }
  if (ask_pow) {
    captchas_.ClaimProofOfWork(p.proof_of_work->challenge, p.proof_of_work->ttl,
                               [commitment, finish](absl::StatusOr<bool> fresh) mutable {
                                 {
                                   absl::MutexLock lock(&commitment->mutex);
                                   commitment->pow_fresh = std::move(fresh);
                                 }
                                 commitment->Answered(finish);
                               });
  }
  captchas_.Take(p.captcha.captcha_id,
                 [commitment, finish](absl::StatusOr<captcha::TakeResult> taken) mutable {
                   {
                     absl::MutexLock lock(&commitment->mutex);
                     commitment->captcha = std::move(taken);
                   }
                   commitment->Answered(finish);
                 });
}

void ComposedSubmissionStore::Finish(const std::shared_ptr<Commitment>& commitment) {
  const SubmissionPlan& plan = commitment->plan;
  SubmissionReply reply;
  absl::StatusOr<std::optional<comments::PriorSubmission>> prior;
  absl::StatusOr<captcha::TakeResult> captcha;
  absl::StatusOr<bool> pow_fresh = true;
  {
    absl::MutexLock lock(&commitment->mutex);
    prior = std::move(commitment->prior);
    captcha = std::move(commitment->captcha);
    pow_fresh = commitment->pow_fresh;
    reply.limits = std::move(commitment->limits);
    reply.banned = commitment->banned;
    reply.recollection = commitment->recollection;
  }
  auto& done = commitment->done;
  if (!prior.ok()) {
    std::move(done)(prior.status());
    return;
  }
  if (prior->has_value()) {
    reply.prior = **prior;
    std::move(done)(std::move(reply));
    return;
  }
  if (!captcha.ok()) {
    std::move(done)(captcha.status());
    return;
  }
  reply.captcha = *std::move(captcha);
  if (!pow_fresh.ok()) {
    std::move(done)(pow_fresh.status());
    return;
  }
  reply.proof_of_work_reused = !*pow_fresh;
  if (reply.limits.size() < plan.limits.size()) {
    reply.limits.resize(plan.limits.size(), absl::UnavailableError("limits not checked"));
  }

  bool limits_allow = true;
  for (std::size_t i = 0; i < plan.limits.size(); ++i) {
    const absl::StatusOr<ratelimit::GcraResult>& result = reply.limits[i];
    const bool refuses =
        result.ok() ? !result->allowed : (i < plan.limit_required.size() && plan.limit_required[i]);
    if (refuses && !(i < plan.limit_shadow.size() && plan.limit_shadow[i])) {
      limits_allow = false;
    }
  }
  const bool captcha_right = reply.captcha.outcome == captcha::TakeOutcome::kTaken &&
                             captcha::CaptchaService::AnswerMatches(plan.captcha.answer_digest,
                                                                    reply.captcha.answer_digest);
  if (limits_ != nullptr) {
    // The limit store counted every check it allowed. Give back what the
    // other limits took when the comment is refused, and, when it is not,
    // what was counted for the other kind of answer: wrong answers count on
    // their own limit, right ones on all the others.
    std::vector<ratelimit::GcraCheck> refunds;
    for (std::size_t i = 0; i < plan.limits.size(); ++i) {
      const bool counts_wrong =
          i < plan.limit_counts_wrong_answers.size() && plan.limit_counts_wrong_answers[i];
      if (reply.limits[i].ok() && reply.limits[i]->allowed &&
          (!limits_allow || counts_wrong == captcha_right)) {
        refunds.push_back(plan.limits[i]);
      }
    }
    if (!refunds.empty()) {
      limits_->Refund(std::move(refunds));
    }
  }
  if (!limits_allow || !captcha_right || reply.proof_of_work_reused || reply.banned) {
    std::move(done)(std::move(reply));
    return;
  }
  if (memory_ != nullptr && plan.body) {
    memory_->Remember(*plan.body);
  }
  StoredVerdict verdict = StoredVerdictFor(plan, reply.recollection);
  if (verdict.action == spam::SpamAction::kReject) {
    std::move(done)(std::move(reply));
    return;
  }
  comments::Comment comment = plan.comment;
  comment.spam_score = verdict.score;
  comment.flagged = verdict.action == spam::SpamAction::kFlag;
  comment.spam_signals = std::move(verdict.signals);
  repository_.Enqueue(std::move(comment), plan.idempotency,
                      [reply = std::move(reply), done = std::move(done)](
                          absl::StatusOr<comments::EnqueueResult> stored) mutable {
                        if (!stored.ok()) {
                          std::move(done)(stored.status());
                          return;
                        }
                        if (stored->prior) {
                          // Another attempt with this key got there first.
                          reply.prior = *stored->prior;
                        } else {
                          reply.stored = true;
                        }
                        std::move(done)(std::move(reply));
                      });
}

}  // namespace moderation::submission
