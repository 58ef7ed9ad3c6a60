#pragma once

#include <optional>
#include <string>

#include "service/comments/comment_repository.h"
#include "service/common/clock.h"
#include "service/moderation/paging.h"

namespace moderation {

struct DeskOptions {
  PagingLimits paging;
  std::size_t note_max_chars = 500;
};

// Hears of every decision that took effect (the learned spam filter learns
// from them). Called on storage threads; must not block.
class DecisionListener {
 public:
  virtual ~DecisionListener() = default;
  virtual void OnDecided(const comments::Comment& decided) = 0;
};

// What moderators do with the queue. Checks their input, then asks the
// repository, whose decisions are compare-and-set. Thread-safe.
class ModerationDesk {
 public:
  // `listener` may be null.
  ModerationDesk(comments::CommentRepository& repository, const Clock& clock, DeskOptions options,
                 DecisionListener* listener = nullptr);

  // Flagged first, then the others; each oldest first. INVALID_ARGUMENT for a bad page size or
  // token.
  void ListPending(int page_size, const std::string& page_token,
                   comments::Callback<comments::CommentPage> done);

  // INVALID_ARGUMENT for a malformed id; NOT_FOUND.
  void Get(const std::string& comment_id, comments::Callback<comments::Comment> done);

  // NOT_FOUND; FAILED_PRECONDITION when no longer pending.
  void Approve(const std::string& comment_id, const std::string& note, const std::string& moderator,
               comments::Callback<comments::Comment> done);

  // As Approve; INVALID_ARGUMENT when `reason` is missing.
  void Reject(const std::string& comment_id, std::optional<comments::RejectionReason> reason,
              const std::string& note, const std::string& moderator,
              comments::Callback<comments::Comment> done);

 private:
  void Decide(const std::string& comment_id, comments::Decision decision,
              comments::Callback<comments::Comment> done);

  comments::CommentRepository& repository_;
  const Clock& clock_;
  const DeskOptions options_;
  DecisionListener* listener_;
};

}  // namespace moderation
