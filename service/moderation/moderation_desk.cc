#include "service/moderation/moderation_desk.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "service/common/errors.h"
#include "service/common/ids.h"
#include "service/validation/unicode.h"

namespace moderation {
namespace {

FieldViolation MalformedId() {
  return {"comment_id", "INVALID_FORMAT", "Mã bình luận không hợp lệ."};
}

}  // namespace

ModerationDesk::ModerationDesk(comments::CommentRepository& repository, const Clock& clock,
                               DeskOptions options, DecisionListener* listener)
    : repository_(repository), clock_(clock), options_(options), listener_(listener) {}

void ModerationDesk::ListPending(int page_size, const std::string& page_token,
                                 comments::Callback<comments::CommentPage> done) {
  absl::StatusOr<PageRequest> page =
      ResolvePage(page_size, page_token, options_.paging, comments::IsWellFormedQueuePosition);
  if (!page.ok()) {
    std::move(done)(page.status());
    return;
  }
  repository_.ListPending(page->after_id, page->page_size, std::move(done));
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
  if (listener_ == nullptr) {
    repository_.Decide(comment_id, std::move(decision), std::move(done));
    return;
  }
  repository_.Decide(comment_id, std::move(decision),
                     [listener = listener_,
                      done = std::move(done)](absl::StatusOr<comments::Comment> decided) mutable {
                       if (decided.ok()) {
                         listener->OnDecided(*decided);
                       }
                       std::move(done)(std::move(decided));
                     });
}

}  // namespace moderation
