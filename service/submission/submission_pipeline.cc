#include "service/submission/submission_pipeline.h"

#include <atomic>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "service/common/errors.h"
#include "service/common/log.h"

namespace moderation::submission {
namespace {

absl::Status IdempotencyKeyReused() {
  return InvalidFields({{"idempotency_key", "IDEMPOTENCY_KEY_REUSED",
                         "Khóa chống gửi trùng đã được dùng cho một bình luận khác."}});
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

}  // namespace

// One submission in flight. Its lookups (captcha, rate limits, idempotency
// key) run at the same time, so they travel to Redis in one write; the last
// to answer decides.
struct SubmissionPipeline::Attempt {
  validation::ValidSubmission valid;
  std::string fingerprint;
  std::optional<comments::IdempotencyRecord> idempotency;
  absl::AnyInvocable<void(absl::StatusOr<SubmissionResult>) &&> done;

  absl::Mutex mutex;
  absl::Status captcha_status ABSL_GUARDED_BY(mutex);
  absl::Status limits_status ABSL_GUARDED_BY(mutex);
  bool banned ABSL_GUARDED_BY(mutex) = false;
  absl::StatusOr<std::optional<comments::PriorSubmission>> prior ABSL_GUARDED_BY(mutex);
  spam::Recollection recollection ABSL_GUARDED_BY(mutex);
  std::atomic<int> awaiting{0};

  // Spam scoring: the local rules' findings, and what the memory of recent
  // comments is asked (when the body is long enough for it).
  std::optional<spam::Examination> examination;
  std::optional<spam::BodyRecord> body_record;
  spam::Verdict verdict;

  // The earlier answer for this key, or an error if the key was used for
  // different content.
  void AnswerFromPrior(const comments::PriorSubmission& earlier) {
    if (earlier.fingerprint != fingerprint) {
      std::move(done)(IdempotencyKeyReused());
      return;
    }
    std::move(done)(Pending(earlier.comment_id, /*replayed=*/true));
  }
};

SubmissionPipeline::SubmissionPipeline(captcha::CaptchaService& captchas,
                                       comments::CommentRepository& repository,
                                       ratelimit::RateLimiter* limiter, bans::BanStore* bans,
                                       CommentIdGenerator& ids, const Clock& clock,
                                       RandomSource& random, const crypto::ServiceKeys& keys,
                                       SubmissionOptions options, SpamCheck spam)
    : captchas_(captchas),
      repository_(repository),
      limiter_(limiter),
      bans_(bans),
      ids_(ids),
      clock_(clock),
      random_(random),
      keys_(keys),
      options_(std::move(options)),
      spam_(spam) {}

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
  attempt->prior = std::optional<comments::PriorSubmission>();
  const validation::ValidSubmission& v = attempt->valid;
  if (!v.idempotency_key.empty()) {
    // What a retry must repeat to be one. Length-prefixed so that moving text
    // between fields changes the digest.
    attempt->fingerprint = crypto::HexEncode(crypto::HmacSha256(
        keys_.lookup_key,
        absl::StrCat("content:", v.article_id.size(), ":", v.article_id, v.name.size(), ":", v.name,
                     v.phone_e164.size(), ":", v.phone_e164, v.title.size(), ":", v.title,
                     v.body.size(), ":", v.body)));
    attempt->idempotency = comments::IdempotencyRecord{
        .key_digest = crypto::HexEncode(
            crypto::HmacSha256(keys_.lookup_key, absl::StrCat("idempotency:", v.idempotency_key))),
        .fingerprint = attempt->fingerprint,
        .ttl = options_.idempotency_ttl,
    };
  }
  const bool limited = limiter_ != nullptr && !options_.allow_list.Contains(v.client_ip);
  Examine(*attempt);
  const bool recall = attempt->body_record.has_value();

  attempt->awaiting.store(1 + (attempt->idempotency ? 1 : 0) + (limited ? 1 : 0) +
                          (bans_ != nullptr ? 1 : 0) + (recall ? 1 : 0));
  auto join = [this, attempt] {
    if (attempt->awaiting.fetch_sub(1) != 1) {
      return;
    }
    absl::Status captcha_status;
    absl::Status limits_status;
    bool banned = false;
    absl::StatusOr<std::optional<comments::PriorSubmission>> prior;
    spam::Recollection recollection;
    {
      absl::MutexLock lock(&attempt->mutex);
      captcha_status = attempt->captcha_status;
      limits_status = attempt->limits_status;
      banned = attempt->banned;
      prior = attempt->prior;
      recollection = attempt->recollection;
    }
    if (!prior.ok()) {
      std::move(attempt->done)(prior.status());
      return;
    }
    if (prior->has_value()) {
      // A retry: the first attempt already used the captcha and the limits.
      attempt->AnswerFromPrior(**prior);
      return;
    }
    if (!limits_status.ok()) {
      std::move(attempt->done)(std::move(limits_status));
      return;
    }
    if (!captcha_status.ok()) {
      std::move(attempt->done)(std::move(captcha_status));
      return;
    }
    if (banned) {
      if (options_.silent_bans) {
        // Looks accepted; nothing is stored.
        std::move(attempt->done)(Pending(ids_.Next(), /*replayed=*/false));
        return;
      }
      std::move(attempt->done)(Refused("BANNED"));
      return;
    }
    if (attempt->examination) {
      if (attempt->body_record) {
        spam_.memory->Remember(*attempt->body_record);
      }
      attempt->verdict = spam_.scorer->Decide(*std::move(attempt->examination), recollection);
      const spam::Verdict& verdict = attempt->verdict;
      if (verdict.action == spam::SpamAction::kReject) {
        std::vector<std::string> rules;
        for (const spam::Signal& signal : verdict.signals) {
          rules.push_back(signal.rule);
        }
        log::Info("comment refused by the spam rules",
                  {{"reason", verdict.refusal_reason},
                   {"score", absl::StrCat(verdict.score)},
                   {"rules", absl::StrJoin(rules, ",")},
                   {"discarded", verdict.discard ? "true" : "false"}});
        if (verdict.discard) {
          std::move(attempt->done)(Pending(ids_.Next(), /*replayed=*/false));
        } else {
          std::move(attempt->done)(Refused(verdict.refusal_reason));
        }
        return;
      }
    }
    Store(attempt);
  };

  if (attempt->idempotency) {
    repository_.FindPrior(
        attempt->idempotency->key_digest,
        [attempt, join](absl::StatusOr<std::optional<comments::PriorSubmission>> prior) mutable {
          {
            absl::MutexLock lock(&attempt->mutex);
            attempt->prior = std::move(prior);
          }
          join();
        });
  }
  if (limited) {
    limiter_->Check(ratelimit::SubmissionSubjects(options_.rate_limits, keys_.lookup_key,
                                                  v.client_ip, v.phone_e164, v.article_id),
                    [attempt, join](absl::Status checked) mutable {
                      {
                        absl::MutexLock lock(&attempt->mutex);
                        attempt->limits_status = std::move(checked);
                      }
                      join();
                    });
  }
  if (bans_ != nullptr) {
    bans_->FindAny(bans::BanIdsFor(keys_.lookup_key, v.client_ip, v.phone_e164),
                   options_.ban_check_timeout,
                   [attempt, join](absl::StatusOr<std::optional<bans::Ban>> found) mutable {
                     {
                       absl::MutexLock lock(&attempt->mutex);
                       attempt->banned = found.ok() && found->has_value();
                     }
                     join();
                   });
  }
  if (recall) {
    spam_.memory->Recall(*attempt->body_record,
                         [attempt, join](absl::StatusOr<spam::Recollection> recalled) mutable {
                           if (recalled.ok()) {
                             absl::MutexLock lock(&attempt->mutex);
                             attempt->recollection = *recalled;
                           }
                           join();
                         });
  }
  captchas_.Verify(v.captcha_id, v.captcha_answer, [attempt, join](absl::Status checked) mutable {
    {
      absl::MutexLock lock(&attempt->mutex);
      attempt->captcha_status = std::move(checked);
    }
    join();
  });
}

comments::Comment SubmissionPipeline::BuildComment(const validation::ValidSubmission& valid) {
  comments::Comment comment;
  comment.id = ids_.Next();
  comment.article_id = valid.article_id;
  comment.name = valid.name;
  comment.title = valid.title;
  comment.body = valid.body;
  if (!valid.phone_e164.empty()) {
    comment.phone_sealed = keys_.phone_cipher.Seal(valid.phone_e164, random_);
    // Indexes the author's history without the number in clear.
    comment.phone_digest = crypto::HexEncode(
        crypto::HmacSha256(keys_.lookup_key, absl::StrCat("phone:", valid.phone_e164)));
  }
  comment.client_ip_digest =
      crypto::HexEncode(crypto::HmacSha256(keys_.lookup_key, absl::StrCat("ip:", valid.client_ip)));
  comment.client_network = valid.client_network;
  comment.user_agent = valid.user_agent;
  comment.status = comments::CommentStatus::kPending;
  comment.create_time = clock_.Now();
  return comment;
}

void SubmissionPipeline::Examine(Attempt& attempt) {
  if (spam_.scorer == nullptr) {
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
  attempt.examination = spam_.scorer->Examine(input);
  const spam::BodyTraces& traces = attempt.examination->traces;
  if (spam_.memory == nullptr || !(traces.repeat_eligible || traces.simhash)) {
    return;
  }
  const spam::SpamRules& rules = *attempt.examination->rules;
  spam::BodyRecord record;
  record.body_digest = crypto::HexEncode(
      crypto::HmacSha256(keys_.lookup_key, absl::StrCat("body:", traces.normalized_body)));
  record.simhash = traces.simhash;
  // The author as bans know them: by phone when given, else by address.
  record.author_digest = crypto::HexEncode(crypto::HmacSha256(
      keys_.lookup_key, v.phone_e164.empty() ? absl::StrCat("ip:", v.client_ip)
                                             : absl::StrCat("phone:", v.phone_e164)));
  record.repeat_window = rules.repeat_post.window;
  record.near_window = rules.near_duplicate.window;
  record.max_distance = rules.near_duplicate.max_distance;
  attempt.body_record = std::move(record);
}

void SubmissionPipeline::Store(std::shared_ptr<Attempt> attempt) {
  comments::Comment comment = BuildComment(attempt->valid);
  const spam::Verdict& verdict = attempt->verdict;
  comment.spam_score = verdict.score;
  comment.flagged = verdict.action == spam::SpamAction::kFlag;
  for (const spam::Signal& signal : verdict.signals) {
    comment.spam_signals.push_back({signal.rule, signal.score, signal.detail, signal.shadow});
  }
  repository_.Enqueue(
      std::move(comment), attempt->idempotency,
      [attempt](absl::StatusOr<comments::EnqueueResult> stored) {
        if (!stored.ok()) {
          std::move(attempt->done)(stored.status());
          return;
        }
        if (stored->prior) {
          // Another attempt with this key got there first.
          attempt->AnswerFromPrior(*stored->prior);
          return;
        }
        std::move(attempt->done)(Pending(std::move(stored->comment_id), /*replayed=*/false));
      });
}

}  // namespace moderation::submission
