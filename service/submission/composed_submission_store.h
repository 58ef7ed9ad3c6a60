#pragma once

#include "absl/time/time.h"
#include "service/bans/ban.h"
#include "service/captcha/captcha_store.h"
#include "service/comments/comment_repository.h"
#include "service/ratelimit/limit_store.h"
#include "service/spam/spam_memory.h"
#include "service/submission/submission_store.h"

namespace moderation::submission {

struct ComposedStoreOptions {
  // Limit and ban lookups give up after these; a limit's plan says whether
  // that refuses, a ban lookup that fails lets the comment through (to
  // moderation, which still sees it).
  absl::Duration limit_timeout = absl::Milliseconds(50);
  absl::Duration ban_timeout = absl::Milliseconds(50);
};

// A SubmissionStore made of the separate stores, for deployments that keep
// rate limits in a Redis of their own: the lookups go out together, then the
// writes, so a submission costs two round trips instead of one. The events of
// limits are recorded and then given back when another limit refuses.
// `limits`, `bans` and `memory` may be null (nothing to check there).
class ComposedSubmissionStore final : public SubmissionStore {
 public:
  ComposedSubmissionStore(captcha::CaptchaStore& captchas, comments::CommentRepository& repository,
                          ratelimit::LimitStore* limits, bans::BanStore* bans,
                          spam::SpamMemory* memory, ComposedStoreOptions options = {});

  void Commit(SubmissionPlan plan,
              absl::AnyInvocable<void(absl::StatusOr<SubmissionReply>) &&> done) override;

 private:
  struct Commitment;
  void Finish(const std::shared_ptr<Commitment>& commitment);

  captcha::CaptchaStore& captchas_;
  comments::CommentRepository& repository_;
  ratelimit::LimitStore* limits_;
  bans::BanStore* bans_;
  spam::SpamMemory* memory_;
  const ComposedStoreOptions options_;
};

// The verdict to store for what the memory recalled, its counts filled in.
[[nodiscard]] StoredVerdict StoredVerdictFor(const SubmissionPlan& plan,
                                             const spam::Recollection& recollection);

}  // namespace moderation::submission
