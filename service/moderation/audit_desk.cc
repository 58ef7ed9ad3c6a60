#include "service/moderation/audit_desk.h"

#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "service/common/errors.h"
#include "service/common/ids.h"

namespace moderation {
namespace {

constexpr absl::Duration kDefaultPeriod = absl::Hours(24);
constexpr absl::Duration kMaxPeriod = absl::Hours(24 * 31);
// Figures read at most this many entries of the period (the newest).
constexpr int kStatsMaxEntries = 100000;

// A principal's name, or retention's, so that its entries can be listed apart.
bool IsModeratorName(absl::string_view name) {
  if (name == audit::kRetentionActor) {
    return true;
  }
  return name.size() <= 64 && name.find_first_not_of(
                                  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                  "0123456789._@-") == absl::string_view::npos;
}

}  // namespace

AuditDesk::AuditDesk(audit::AuditLog& log, comments::CommentRepository& comments,
                     const Clock& clock, PagingLimits paging)
    : log_(log), comments_(comments), clock_(clock), paging_(paging) {}

void AuditDesk::List(const AuditFilter& filter, int page_size, const std::string& page_token,
                     audit::Callback<audit::Page> done) {
  std::vector<FieldViolation> violations;
  if (!filter.comment_id.empty() && !IsWellFormedCommentId(filter.comment_id)) {
    violations.push_back({"comment_id", "INVALID_FORMAT", "Mã bình luận không hợp lệ."});
  }
  if (!IsModeratorName(filter.moderator)) {
    violations.push_back({"moderator", "INVALID_FORMAT", "Tên người kiểm duyệt không hợp lệ."});
  }
  if (page_size < 0 || page_size > paging_.max_page_size) {
    violations.push_back(
        {"page_size", "OUT_OF_RANGE",
         absl::StrCat("Số mục mỗi trang phải từ 1 đến ", paging_.max_page_size, ".")});
  }
  if (filter.start && filter.end && *filter.end <= *filter.start) {
    violations.push_back(
        {"end_time", "OUT_OF_RANGE", "Thời điểm kết thúc phải sau thời điểm bắt đầu."});
  }
  if (!violations.empty()) {
    std::move(done)(InvalidFields(std::move(violations)));
    return;
  }
  if (!filter.comment_id.empty()) {
    log_.ForComment(filter.comment_id,
                    [moderator = filter.moderator, done = std::move(done)](
                        absl::StatusOr<std::vector<audit::Entry>> entries) mutable {
                      if (!entries.ok()) {
                        std::move(done)(entries.status());
                        return;
                      }
                      audit::Page page;
                      for (audit::Entry& entry : *entries) {
                        if (moderator.empty() || entry.event.actor == moderator) {
                          page.entries.push_back(std::move(entry));
                        }
                      }
                      std::move(done)(std::move(page));
                    });
    return;
  }
  audit::Query query;
  query.actor = filter.moderator;
  query.start = filter.start;
  query.end = filter.end;
  query.limit = page_size == 0 ? paging_.default_page_size : page_size;
  query.after = page_token;
  log_.List(std::move(query), std::move(done));
}

void AuditDesk::Verify(audit::Callback<audit::Verification> done) { log_.Verify(std::move(done)); }

void AuditDesk::Stats(absl::Duration period, audit::Callback<Figures> done) {
  if (period == absl::ZeroDuration()) {
    period = kDefaultPeriod;
  }
  if (period < absl::ZeroDuration() || period > kMaxPeriod) {
    std::move(done)(InvalidFields(
        {{"period", "OUT_OF_RANGE", "Khoảng thời gian phải từ 1 giây đến 31 ngày."}}));
    return;
  }
  auto figures = std::make_shared<Figures>();
  figures->period_end = clock_.Now();
  figures->period_start = figures->period_end - period;
  comments_.Summarize([this, figures, done = std::move(done)](
                          absl::StatusOr<comments::QueueSummary> summary) mutable {
    if (!summary.ok()) {
      std::move(done)(summary.status());
      return;
    }
    figures->queue = *summary;
    log_.Since(figures->period_start, kStatsMaxEntries,
               [figures, done = std::move(done)](absl::StatusOr<audit::Recent> recent) mutable {
                 if (!recent.ok()) {
                   std::move(done)(recent.status());
                   return;
                 }
                 figures->decisions = audit::TallyDecisions(recent->entries);
                 figures->partial = recent->partial;
                 std::move(done)(std::move(*figures));
               });
  });
}

}  // namespace moderation
