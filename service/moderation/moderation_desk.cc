#include "service/moderation/moderation_desk.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "service/common/errors.h"
#include "service/common/ids.h"
#include "service/validation/unicode.h"

namespace moderation {
namespace {

FieldViolation MalformedId(absl::string_view field = "comment_id") {
  return {std::string(field), "INVALID_FORMAT", "Mã bình luận không hợp lệ."};
}

// Bounds on filter values, far above anything real, so that a request
// cannot make the scripts compare against megabytes.
constexpr std::size_t kFilterTextMaxBytes = 256;
constexpr std::size_t kMaxExcluded = 1000;
constexpr std::size_t kSessionMaxChars = 64;
// RejectAllPendingBy stops after this many comments.
constexpr std::size_t kRejectAllMax = 1000;

bool IsRuleName(absl::string_view name) {
  return !name.empty() && name.size() <= 64 &&
         name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") == absl::string_view::npos;
}

bool IsNetworkText(absl::string_view network) {
  return network.size() <= 64 &&
         network.find_first_not_of("0123456789abcdefABCDEF.:/") == absl::string_view::npos;
}

audit::Event DecisionEvent(const comments::Decision& decision, const std::string& comment_id,
                           bool flagged) {
  audit::Event event;
  event.action = decision.status == comments::CommentStatus::kApproved ? audit::Action::kApprove
                                                                       : audit::Action::kReject;
  event.actor = decision.moderator;
  event.time = decision.time;
  event.comment_id = comment_id;
  if (decision.rejection_reason) {
    event.rejection_reason = std::string(comments::ReasonName(*decision.rejection_reason));
  }
  event.note = decision.note;
  event.flagged = flagged;
  return event;
}

}  // namespace

bool IsWellFormedSession(absl::string_view session) {
  return session.size() <= kSessionMaxChars &&
         session.find_first_not_of(
             "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
             "0123456789_-") == absl::string_view::npos;
}

absl::StatusOr<comments::PendingFilter> ResolveFilter(const QueueFilter& filter, absl::Time now) {
  std::vector<FieldViolation> violations;
  comments::PendingFilter resolved;
  if (filter.article_id.size() > kFilterTextMaxBytes ||
      !validation::IsValidUtf8(filter.article_id)) {
    violations.push_back({"filter.article_id", "INVALID_FORMAT", "Mã bài viết không hợp lệ."});
  }
  resolved.article_id = filter.article_id;
  if (!filter.spam_rule.empty() && !IsRuleName(filter.spam_rule)) {
    violations.push_back({"filter.spam_rule", "INVALID_FORMAT", "Tên quy tắc không hợp lệ."});
  }
  resolved.spam_rule = filter.spam_rule;
  if (!(filter.min_spam_score >= 0) || filter.min_spam_score > 1e6) {
    violations.push_back(
        {"filter.min_spam_score", "OUT_OF_RANGE", "Điểm spam tối thiểu không hợp lệ."});
  } else if (filter.min_spam_score > 0) {
    resolved.min_spam_score = filter.min_spam_score;
  }
  if (filter.min_age < absl::ZeroDuration()) {
    violations.push_back({"filter.min_age", "OUT_OF_RANGE", "Tuổi tối thiểu không hợp lệ."});
  } else if (filter.min_age > absl::ZeroDuration()) {
    resolved.created_at_or_before = now - filter.min_age;
  }
  if (filter.max_age < absl::ZeroDuration()) {
    violations.push_back({"filter.max_age", "OUT_OF_RANGE", "Tuổi tối đa không hợp lệ."});
  } else if (filter.max_age > absl::ZeroDuration()) {
    resolved.created_at_or_after = now - filter.max_age;
  }
  if (!filter.author_key.empty() && !comments::IsWellFormedAuthorKey(filter.author_key)) {
    violations.push_back(
        {"filter.author_key", "INVALID_FORMAT", "Mã tác giả không hợp lệ (ph-... hoặc ip-...)."});
  }
  resolved.author_key = filter.author_key;
  if (!IsNetworkText(filter.client_network)) {
    violations.push_back({"filter.client_network", "INVALID_FORMAT", "Dải mạng không hợp lệ."});
  }
  resolved.client_network = filter.client_network;
  resolved.flagged_only = filter.flagged_only;
  if (!violations.empty()) {
    return InvalidFields(std::move(violations));
  }
  return resolved;
}

ModerationDesk::ModerationDesk(comments::CommentRepository& repository, const Clock& clock,
                               DeskOptions options, DecisionListener* listener,
                               audit::AuditLog* audit, FeedCache* feed_cache)
    : repository_(repository),
      clock_(clock),
      options_(options),
      listener_(listener),
      audit_(audit),
      feed_cache_(feed_cache) {}

void ModerationDesk::ListPending(int page_size, const std::string& page_token,
                                 comments::Callback<comments::CommentPage> done) {
  ListPending(QueueFilter(), page_size, page_token, std::move(done));
}

void ModerationDesk::ListPending(const QueueFilter& filter, int page_size,
                                 const std::string& page_token,
                                 comments::Callback<comments::CommentPage> done) {
  absl::StatusOr<PageRequest> page =
      ResolvePage(page_size, page_token, options_.paging, comments::IsWellFormedQueuePosition);
  absl::StatusOr<comments::PendingFilter> resolved = ResolveFilter(filter, clock_.Now());
  if (!page.ok() || !resolved.ok()) {
    std::vector<FieldViolation> violations = FieldViolationsOf(page.status());
    for (FieldViolation& violation : FieldViolationsOf(resolved.status())) {
      violations.push_back(std::move(violation));
    }
    std::move(done)(InvalidFields(std::move(violations)));
    return;
  }
  repository_.ListPending(*resolved, page->after_id, page->page_size, std::move(done));
}

void ModerationDesk::HistoryOf(const comments::Comment& comment,
                               comments::Callback<std::vector<comments::AuthorRecord>> done) {
  std::vector<std::string> keys;
  for (const std::string& key :
       {comments::PhoneAuthorKey(comment), comments::IpAuthorKey(comment)}) {
    if (!key.empty()) {
      keys.push_back(key);
    }
  }
  repository_.AuthorHistory(std::move(keys), comment.id, std::move(done));
}

void ModerationDesk::Show(const std::string& comment_id, comments::Callback<CommentView> done) {
  Get(comment_id, [this, done = std::move(done)](absl::StatusOr<comments::Comment> got) mutable {
    if (!got.ok()) {
      std::move(done)(got.status());
      return;
    }
    auto view = std::make_shared<CommentView>();
    view->comment = *std::move(got);
    HistoryOf(view->comment,
              [this, view, done = std::move(done)](
                  absl::StatusOr<std::vector<comments::AuthorRecord>> history) mutable {
                if (!history.ok()) {
                  std::move(done)(history.status());
                  return;
                }
                view->author_history = *std::move(history);
                if (audit_ == nullptr) {
                  std::move(done)(std::move(*view));
                  return;
                }
                audit_->ForComment(view->comment.id,
                                   [view, done = std::move(done)](
                                       absl::StatusOr<std::vector<audit::Entry>> entries) mutable {
                                     if (!entries.ok()) {
                                       std::move(done)(entries.status());
                                       return;
                                     }
                                     view->audit_entries = *std::move(entries);
                                     std::move(done)(std::move(*view));
                                   });
              });
  });
}

void ModerationDesk::ClaimNext(const QueueFilter& filter, const std::string& release_id,
                               std::vector<std::string> exclude, const std::string& session,
                               const std::string& moderator, comments::Callback<ClaimView> done) {
  std::vector<FieldViolation> violations;
  const absl::Time now = clock_.Now();
  absl::StatusOr<comments::PendingFilter> resolved = ResolveFilter(filter, now);
  if (!resolved.ok()) {
    violations = FieldViolationsOf(resolved.status());
  }
  if (!release_id.empty() && !IsWellFormedCommentId(release_id)) {
    violations.push_back(MalformedId("release_comment_id"));
  }
  if (exclude.size() > kMaxExcluded ||
      std::any_of(exclude.begin(), exclude.end(),
                  [](const std::string& id) { return !IsWellFormedCommentId(id); })) {
    violations.push_back({"exclude_comment_ids", "INVALID_FORMAT",
                          "Danh sách bình luận bỏ qua không hợp lệ (tối đa 1000 mã)."});
  }
  if (!IsWellFormedSession(session)) {
    violations.push_back({"session_id", "INVALID_FORMAT", "Mã phiên không hợp lệ."});
  }
  if (!violations.empty()) {
    std::move(done)(InvalidFields(std::move(violations)));
    return;
  }
  comments::ClaimOrder order;
  order.filter = *std::move(resolved);
  order.moderator = moderator;
  order.session = session;
  order.exclude = std::move(exclude);
  order.release_id = release_id;
  order.now = now;
  order.ttl = options_.claim_ttl;
  repository_.ClaimNext(
      std::move(order),
      [this, done = std::move(done)](absl::StatusOr<comments::ClaimResult> claimed) mutable {
        if (!claimed.ok()) {
          std::move(done)(claimed.status());
          return;
        }
        auto view = std::make_shared<ClaimView>();
        view->claim = *std::move(claimed);
        if (!view->claim.comment) {
          std::move(done)(std::move(*view));
          return;
        }
        HistoryOf(*view->claim.comment,
                  [view, done = std::move(done)](
                      absl::StatusOr<std::vector<comments::AuthorRecord>> history) mutable {
                    if (!history.ok()) {
                      std::move(done)(history.status());
                      return;
                    }
                    view->author_history = *std::move(history);
                    std::move(done)(std::move(*view));
                  });
      });
}

void ModerationDesk::ReleaseClaim(const std::string& comment_id, const std::string& moderator,
                                  comments::Callback<bool> done) {
  if (!IsWellFormedCommentId(comment_id)) {
    std::move(done)(InvalidFields({MalformedId()}));
    return;
  }
  repository_.ReleaseClaim(comment_id, moderator, std::move(done));
}

void ModerationDesk::Undo(const std::string& comment_id, const std::string& session,
                          const std::string& moderator,
                          comments::Callback<comments::Comment> done) {
  std::vector<FieldViolation> violations;
  if (!IsWellFormedCommentId(comment_id)) {
    violations.push_back(MalformedId());
  }
  if (!IsWellFormedSession(session)) {
    violations.push_back({"session_id", "INVALID_FORMAT", "Mã phiên không hợp lệ."});
  }
  if (!violations.empty()) {
    std::move(done)(InvalidFields(std::move(violations)));
    return;
  }
  repository_.Get(comment_id, [this, comment_id, session, moderator, done = std::move(done)](
                                  absl::StatusOr<comments::Comment> current) mutable {
    if (!current.ok()) {
      std::move(done)(current.status());
      return;
    }
    if (current->status == comments::CommentStatus::kPending) {
      std::move(done)(comments::UndoNotAllowed("the comment is pending"));
      return;
    }
    if (current->decided_by != moderator) {
      std::move(done)(comments::UndoNotAllowed("someone else decided it"));
      return;
    }
    comments::UndoOrder order;
    order.moderator = moderator;
    order.session = session;
    order.time = clock_.Now();
    order.window = options_.undo_window;
    order.claim_ttl = options_.claim_ttl;
    order.expected_status = current->status;
    order.audit.action = audit::Action::kUndo;
    order.audit.actor = moderator;
    order.audit.time = order.time;
    order.audit.comment_id = comment_id;
    order.audit.undone = current->status == comments::CommentStatus::kApproved
                             ? audit::Action::kApprove
                             : audit::Action::kReject;
    if (current->rejection_reason) {
      order.audit.rejection_reason = std::string(comments::ReasonName(*current->rejection_reason));
    }
    order.audit.flagged = current->flagged;
    repository_.Undo(comment_id, std::move(order),
                     [feed_cache = feed_cache_,
                      done = std::move(done)](absl::StatusOr<comments::Comment> undone) mutable {
                       // An approval undone leaves its article's list.
                       if (undone.ok() && feed_cache != nullptr) {
                         feed_cache->Invalidate();
                       }
                       std::move(done)(std::move(undone));
                     });
  });
}

void ModerationDesk::RejectAllPendingBy(std::vector<std::string> author_keys,
                                        comments::RejectionReason reason, const std::string& note,
                                        const std::string& moderator,
                                        comments::Callback<std::vector<std::string>> done) {
  // One author key at a time, one page at a time, one rejection at a time:
  // a long list costs a little latency, never a burst of scripts.
  struct Sweep : std::enable_shared_from_this<Sweep> {
    ModerationDesk* desk;
    std::vector<std::string> keys;
    std::size_t key_index = 0;
    comments::RejectionReason reason;
    std::string note;
    std::string moderator;
    std::vector<comments::Comment> batch;
    std::size_t batch_index = 0;
    std::string cursor;
    std::vector<std::string> rejected;
    comments::Callback<std::vector<std::string>> done;

    void NextPage() {
      if (key_index == keys.size() || rejected.size() >= kRejectAllMax) {
        std::move(done)(std::move(rejected));
        return;
      }
      comments::PendingFilter filter;
      filter.author_key = keys[key_index];
      desk->repository_.ListPending(
          filter, cursor, 100,
          [self = shared_from_this()](absl::StatusOr<comments::CommentPage> page) mutable {
            if (!page.ok()) {
              std::move(self->done)(page.status());
              return;
            }
            self->batch = std::move(page->comments);
            self->batch_index = 0;
            self->cursor = page->next_cursor;
            if (self->cursor.empty()) {
              ++self->key_index;
            }
            self->NextComment();
          });
    }

    void NextComment() {
      if (batch_index == batch.size() || rejected.size() >= kRejectAllMax) {
        NextPage();
        return;
      }
      const std::string id = batch[batch_index++].id;
      desk->Reject(
          id, reason, note, moderator,
          [self = shared_from_this(), id](const absl::StatusOr<comments::Comment>& decided) {
            // Decided by someone else meanwhile: nothing to do.
            if (decided.ok()) {
              self->rejected.push_back(id);
            } else if (decided.status().code() != absl::StatusCode::kFailedPrecondition) {
              std::move(self->done)(decided.status());
              return;
            }
            self->NextComment();
          });
    }
  };
  auto sweep = std::make_shared<Sweep>();
  sweep->desk = this;
  sweep->keys = std::move(author_keys);
  sweep->reason = reason;
  sweep->note = note;
  sweep->moderator = moderator;
  sweep->done = std::move(done);
  sweep->NextPage();
}

void ModerationDesk::Get(const std::string& comment_id,
                         comments::Callback<comments::Comment> done) {
  if (!IsWellFormedCommentId(comment_id)) {
    std::move(done)(InvalidFields({MalformedId()}));
    return;
  }
  repository_.Get(comment_id, std::move(done));
}

void ModerationDesk::Approve(const std::string& comment_id, const std::string& note,
                             const std::string& moderator,
                             comments::Callback<comments::Comment> done) {
  comments::Decision decision;
  decision.status = comments::CommentStatus::kApproved;
  decision.note = note;
  decision.moderator = moderator;
  Decide(comment_id, std::move(decision), std::move(done));
}

void ModerationDesk::Reject(const std::string& comment_id,
                            std::optional<comments::RejectionReason> reason,
                            const std::string& note, const std::string& moderator,
                            comments::Callback<comments::Comment> done) {
  if (!reason) {
    std::vector<FieldViolation> violations;
    if (!IsWellFormedCommentId(comment_id)) {
      violations.push_back(MalformedId());
    }
    violations.push_back({"reason", "REQUIRED", "Vui lòng chọn lý do từ chối."});
    std::move(done)(InvalidFields(std::move(violations)));
    return;
  }
  comments::Decision decision;
  decision.status = comments::CommentStatus::kRejected;
  decision.rejection_reason = reason;
  decision.note = note;
  decision.moderator = moderator;
  Decide(comment_id, std::move(decision), std::move(done));
}

void ModerationDesk::Decide(const std::string& comment_id, comments::Decision decision,
                            comments::Callback<comments::Comment> done) {
  std::vector<FieldViolation> violations;
  if (!IsWellFormedCommentId(comment_id)) {
    violations.push_back(MalformedId());
  }
  validation::NormalizedText note;
  switch (validation::NormalizeUserText(decision.note, validation::LineBreaks::kAllow, note)) {
    case validation::TextProblem::kInvalidUtf8:
      violations.push_back({"note", "INVALID_UTF8", "Ghi chú chứa ký tự không hợp lệ."});
      break;
    case validation::TextProblem::kControlCharacter:
      violations.push_back({"note", "CONTROL_CHARACTER", "Ghi chú chứa ký tự điều khiển."});
      break;
    case validation::TextProblem::kNone:
      if (note.code_points > options_.note_max_chars) {
        violations.push_back(
            {"note", "TOO_LONG",
             absl::StrCat("Ghi chú quá dài (tối đa ", options_.note_max_chars, " ký tự).")});
      }
      break;
  }
  if (!violations.empty()) {
    std::move(done)(InvalidFields(std::move(violations)));
    return;
  }
  decision.note = std::move(note.text);
  decision.time = clock_.Now();
  decision.undo_window = options_.undo_window;
  // The audit entry records whether the spam rules had flagged the comment
  // (for the filter's hit rates), so read it first; the flag never changes,
  // and the decision itself is still compare-and-set.
  repository_.Get(
      comment_id, [this, comment_id, decision = std::move(decision),
                   done = std::move(done)](absl::StatusOr<comments::Comment> current) mutable {
        if (!current.ok()) {
          std::move(done)(current.status());
          return;
        }
        if (current->status != comments::CommentStatus::kPending) {
          std::move(done)(comments::CommentNotPending(current->status));
          return;
        }
        decision.audit = DecisionEvent(decision, comment_id, current->flagged);
        repository_.Decide(comment_id, std::move(decision),
                           [listener = listener_, feed_cache = feed_cache_, done = std::move(done)](
                               absl::StatusOr<comments::Comment> decided) mutable {
                             if (decided.ok() && feed_cache != nullptr &&
                                 decided->status == comments::CommentStatus::kApproved) {
                               feed_cache->Invalidate();
                             }
                             if (decided.ok() && listener != nullptr) {
                               listener->OnDecided(*decided);
                             }
                             std::move(done)(std::move(decided));
                           });
      });
}

void RejectionCost::OnDecided(const comments::Comment& decided) {
  if (decided.status == comments::CommentStatus::kRejected &&
      (decided.rejection_reason == comments::RejectionReason::kSpam ||
       decided.rejection_reason == comments::RejectionReason::kAdvertising)) {
    ledger_.Record(pow::CostSources(lookup_key_, decided.client_ip_digest, decided.client_network,
                                    decided.phone_digest),
                   1);
  }
  if (next_ != nullptr) {
    next_->OnDecided(decided);
  }
}

}  // namespace moderation
