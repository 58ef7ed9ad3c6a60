#include "service/submission/submission_pipeline.h"

#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "service/common/errors.h"
#include "service/common/log.h"

namespace moderation::submission {
namespace {

absl::Status IdempotencyKeyReused() {
  return InvalidFields({{"idempotency_key", "IDEMPOTENCY_KEY_REUSED", ""}});
}

SubmissionResult Pending(std::string comment_id, bool replayed) {
  SubmissionResult result;
  result.comment_id = std::move(comment_id);
  result.replayed = replayed;
  return result;
}

SubmissionResult Refused(std::string reason) {
  SubmissionResult result;
  result.outcome = SubmissionOutcome::kRefused;
  result.refusal_reason = std::move(reason);
  return result;
}

// Refusals are counted in the metrics; the log shows a sample, so that a
// flood of spam cannot flood the log too.
log::Sampler& RefusalLog() {
  static auto* sampler = new log::Sampler(10);
  return *sampler;
}

StoredVerdict ToStored(const spam::Verdict& verdict) {
  StoredVerdict stored;
  stored.action = verdict.action;
  stored.score = verdict.score;
  for (const spam::Signal& signal : verdict.signals) {
    stored.signals.push_back({signal.rule, signal.score, signal.detail, signal.shadow});
  }
  return stored;
}

}  // namespace

// One submission in flight, from its plan to the reader's answer.
struct SubmissionPipeline::Attempt {
  validation::ValidSubmission valid;
  std::string fingerprint;  // of the content, when an idempotency key is given
  SubmissionPlan plan;      // handed to the store; what the verdict needs is kept apart
  captcha::CaptchaAttempt captcha;
  std::string comment_id;
  // The reader's keyed digests, made once: limits, bans, the stored comment,
  // the memory of bodies and the refusal count all use them.
  std::string address_digest;
  std::string phone_digest;  // empty without a phone
  ratelimit::LimitPlan limits;
  // The spam verdict for each answer of the memory of recent bodies, and what
  // it takes to pick one.
  std::optional<spam::VerdictChoices> verdicts;
  spam::BodyTraces traces;
  int near_duplicate_min_authors = 1;
  absl::AnyInvocable<void(absl::StatusOr<SubmissionResult>) &&> done;
};

SubmissionPipeline::SubmissionPipeline(captcha::CaptchaService& captchas, SubmissionStore& store,
                                       ratelimit::RateLimiter* limiter, CommentIdGenerator& ids,
                                       const Clock& clock, RandomSource& random,
                                       const crypto::ServiceKeys& keys, SubmissionOptions options,
                                       SpamCheck spam, ProofOfWorkCheck pow)
    : captchas_(captchas),
      store_(store),
      limiter_(limiter),
      ids_(ids),
      clock_(clock),
      random_(random),
      keys_(keys),
      pseudonymiser_(keys.lookup_key),
      options_(std::move(options)),
      spam_(spam),
      pow_(std::move(pow)) {}

void SubmissionPipeline::Submit(
    const validation::RawSubmission& raw,
    absl::AnyInvocable<void(absl::StatusOr<SubmissionResult>) &&> done) {
  absl::StatusOr<validation::ValidSubmission> valid =
      validation::ValidateSubmission(raw, options_.limits);
  if (!valid.ok()) {
    std::move(done)(valid.status());
    return;
  }
  auto attempt = std::make_shared<Attempt>();
  attempt->valid = *std::move(valid);
  attempt->done = std::move(done);
  const validation::ValidSubmission& v = attempt->valid;
  SubmissionPlan& plan = attempt->plan;

  absl::StatusOr<captcha::CaptchaAttempt> captcha =
      captchas_.PrepareAttempt(v.captcha_id, v.captcha_answer);
  if (!captcha.ok()) {
    std::move(attempt->done)(captcha.status());
    return;
  }
  attempt->captcha = *captcha;
  plan.captcha = *std::move(captcha);
  attempt->address_digest = pseudonymiser_.AddressDigest(v.client_ip);
  if (!v.phone_e164.empty()) {
    attempt->phone_digest = pseudonymiser_.PhoneDigest(v.phone_e164);
  }
  std::optional<pow::AltchaSolution> solution;
  if (pow_.altcha != nullptr) {
    absl::StatusOr<pow::AltchaSolution> solved = pow_.altcha->Verify(raw.altcha_payload);
    if (!solved.ok()) {
      if (pow::AltchaReasonOf(solved.status()) != "REQUIRED") {
        CountRefusal(*attempt);
      }
      std::move(attempt->done)(solved.status());
      return;
    }
    if (pow_.observer.solved) {
      pow_.observer.solved(solved->took, solved->refusal_score);
    }
    plan.proof_of_work = ProofOfWorkClaim{
        .challenge = solved->challenge,
        .ttl = std::max(absl::Seconds(1), solved->expire_time - clock_.Now() + absl::Seconds(1))};
    solution = *std::move(solved);
  }

  if (limiter_ != nullptr && !options_.allow_list.Contains(v.client_ip)) {
    attempt->limits = limiter_->Plan(ratelimit::SubmissionSubjects(
        options_.rate_limits, pseudonymiser_, v.client_ip, attempt->address_digest,
        attempt->phone_digest, v.article_id));
    if (!attempt->limits.refused_now.ok()) {
      std::move(attempt->done)(attempt->limits.refused_now);
      return;
    }
    plan.limits = attempt->limits.checks;
    plan.limit_shadow = attempt->limits.shadow;
    plan.limit_counts_wrong_answers = attempt->limits.counts_wrong_answers;
    for (const ratelimit::OnStoreError on_error : attempt->limits.on_store_error) {
      plan.limit_required.push_back(on_error == ratelimit::OnStoreError::kRefuse);
    }
  }
  if (options_.check_bans) {
    plan.ban_ids =
        bans::BanIdsFor(pseudonymiser_, attempt->address_digest, v.client_ip, v.phone_e164);
  }
  if (!v.idempotency_key.empty()) {
    attempt->fingerprint =
        pseudonymiser_.ContentFingerprint(v.article_id, v.name, v.phone_e164, v.title, v.body);
    plan.idempotency = comments::IdempotencyRecord{
        .key_digest = pseudonymiser_.IdempotencyKeyDigest(v.idempotency_key),
        .fingerprint = attempt->fingerprint,
        .ttl = options_.idempotency_ttl,
    };
  }
  Examine(*attempt);
  if (solution && solution->refusal_score > 0) {
    // Shown to moderators with the comment; counts for nothing in the score.
    const comments::SpamSignal signal{
        .rule = "pow_cost",
        .score = 0,
        .detail = absl::StrCat("proof of work priced at ",
                               absl::StrFormat("%.1f", solution->refusal_score),
                               " recent refusals from this source"),
        .shadow = true};
    for (StoredVerdict* verdict : {&plan.if_nothing, &plan.if_repeat, &plan.if_near_duplicate}) {
      verdict->signals.push_back(signal);
    }
  }
  plan.comment = BuildComment(*attempt);
  attempt->comment_id = plan.comment.id;

  store_.Commit(std::move(plan), [this, attempt](absl::StatusOr<SubmissionReply> reply) mutable {
    Conclude(*attempt, std::move(reply));
  });
}

void SubmissionPipeline::Conclude(Attempt& attempt, absl::StatusOr<SubmissionReply> reply) {
  auto& done = attempt.done;
  if (!reply.ok()) {
    std::move(done)(reply.status());
    return;
  }
  if (reply->prior) {
    // A retry: the first attempt already used the captcha and the limits.
    if (reply->prior->fingerprint != attempt.fingerprint) {
      std::move(done)(IdempotencyKeyReused());
      return;
    }
    std::move(done)(Pending(reply->prior->comment_id, /*replayed=*/true));
    return;
  }
  if (limiter_ != nullptr && !attempt.limits.checks.empty()) {
    if (absl::Status limited = limiter_->Conclude(attempt.limits, reply->limits); !limited.ok()) {
      CountRefusal(attempt);
      std::move(done)(std::move(limited));
      return;
    }
  }
  if (absl::Status judged = captchas_.Judge(attempt.captcha, reply->captcha); !judged.ok()) {
    // An expired or unknown code is what a slow reader gets: not counted.
    for (const FieldViolation& violation : FieldViolationsOf(judged)) {
      if (violation.reason == "CAPTCHA_WRONG" || violation.reason == "CAPTCHA_ALREADY_USED") {
        CountRefusal(attempt);
        break;
      }
    }
    std::move(done)(std::move(judged));
    return;
  }
  if (reply->proof_of_work_reused) {
    CountRefusal(attempt);
    std::move(done)(pow::AltchaAlreadyUsed());
    return;
  }
  if (reply->banned) {
    CountRefusal(attempt);
    if (options_.silent_bans) {
      // Looks accepted; nothing is stored.
      std::move(done)(Pending(ids_.Next(), /*replayed=*/false));
      return;
    }
    std::move(done)(Refused("BANNED"));
    return;
  }
  if (attempt.verdicts) {
    // Decided before the round trip; the script stored (or not) by the same choice.
    const spam::Verdict& verdict = attempt.verdicts->For(
        spam::FindingOf(attempt.traces, attempt.near_duplicate_min_authors, reply->recollection));
    if (verdict.action == spam::SpamAction::kReject) {
      CountRefusal(attempt);
      if (RefusalLog().Allow()) {
        std::vector<std::string> rules;
        for (const spam::Signal& signal : verdict.signals) {
          rules.push_back(signal.rule);
        }
        log::Info("comment refused by the spam rules",
                  {{"reason", verdict.refusal_reason},
                   {"score", absl::StrCat(verdict.score)},
                   {"rules", absl::StrJoin(rules, ",")},
                   {"discarded", verdict.discard ? "true" : "false"}});
      }
      if (verdict.discard) {
        std::move(done)(Pending(ids_.Next(), /*replayed=*/false));
      } else {
        std::move(done)(Refused(verdict.refusal_reason));
      }
      return;
    }
  }
  if (!reply->stored) {
    // The store decides from the same facts; disagreeing is a bug.
    log::Error("storage did not queue a comment that passed every check", {});
    std::move(done)(absl::InternalError("the comment was not queued"));
    return;
  }
  std::move(done)(Pending(attempt.comment_id, /*replayed=*/false));
}

void SubmissionPipeline::CountRefusal(const Attempt& attempt) const {
  // The sources are made here, on refusal only: most submissions never need them.
  if (pow_.ledger != nullptr) {
    pow_.ledger->Record(pow::CostSources(pseudonymiser_, attempt.address_digest,
                                         attempt.valid.client_network, attempt.phone_digest),
                        1);
  }
}

comments::Comment SubmissionPipeline::BuildComment(const Attempt& attempt) {
  const validation::ValidSubmission& valid = attempt.valid;
  comments::Comment comment;
  comment.id = ids_.Next();
  comment.article_id = valid.article_id;
  comment.name = valid.name;
  comment.title = valid.title;
  comment.body = valid.body;
  if (!valid.phone_e164.empty()) {
    comment.phone_sealed = keys_.phone_cipher.Seal(valid.phone_e164, random_);
    // Indexes the author's history without the number in clear.
    comment.phone_digest = attempt.phone_digest;
  }
  comment.client_ip_digest = attempt.address_digest;
  comment.client_network = valid.client_network;
  comment.user_agent = valid.user_agent;
  comment.status = comments::CommentStatus::kPending;
  comment.create_time = clock_.Now();
  return comment;
}

void SubmissionPipeline::Examine(Attempt& attempt) {
  SubmissionPlan& plan = attempt.plan;
  if (spam_.scorer == nullptr) {
    // Unscored: every comment that passes the checks is queued as it is.
    return;
  }
  const validation::ValidSubmission& v = attempt.valid;
  spam::SpamInput input;
  input.name = v.name;
  input.title = v.title;
  input.body = v.body;
  if (v.honeypot_filled) {
    input.honeypot = "filled";
  }
  if (const std::optional<absl::Time> issued = captchas_.IssueTime(v.captcha_id)) {
    input.since_captcha = clock_.Now() - *issued;
  }
  spam::Examination examination = spam_.scorer->Examine(input);
  const spam::VerdictChoices& choices =
      attempt.verdicts.emplace(spam_.scorer->DecideEachWay(examination));
  plan.if_nothing = ToStored(choices.nothing);
  plan.if_repeat = ToStored(choices.repeat);
  plan.if_near_duplicate = ToStored(choices.near_duplicate);
  const spam::SpamRules& rules = *examination.rules;
  attempt.near_duplicate_min_authors = rules.near_duplicate.min_other_authors;

  const spam::BodyTraces& traces = examination.traces;
  attempt.traces.repeat_eligible = traces.repeat_eligible;
  attempt.traces.simhash = traces.simhash;
  if (!spam_.recall_bodies || !(traces.repeat_eligible || traces.simhash)) {
    return;
  }
  spam::BodyRecord record;
  record.body_digest = pseudonymiser_.BodyDigest(traces.normalized_body);
  record.simhash = traces.simhash;
  // The author as bans know them: by phone when given, else by address.
  record.author_digest =
      attempt.phone_digest.empty() ? attempt.address_digest : attempt.phone_digest;
  record.repeat_window = rules.repeat_post.window;
  record.near_window = rules.near_duplicate.window;
  record.max_distance = rules.near_duplicate.max_distance;
  plan.body = std::move(record);
  plan.repeat_eligible = traces.repeat_eligible;
  plan.near_duplicate_min_authors = rules.near_duplicate.min_other_authors;
}

}  // namespace moderation::submission
