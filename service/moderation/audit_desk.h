#pragma once

#include <optional>
#include <string>

#include "service/audit/audit_log.h"
#include "service/audit/audit_stats.h"
#include "service/comments/comment_repository.h"
#include "service/common/clock.h"
#include "service/moderation/paging.h"

namespace moderation {

// An audit listing as moderators ask for it.
struct AuditFilter {
  std::string moderator;
  std::string comment_id;
  std::optional<absl::Time> start;
  std::optional<absl::Time> end;
};

struct Figures {
  comments::QueueSummary queue;
  absl::Time period_start;
  absl::Time period_end;
  audit::DecisionTally decisions;
  bool partial = false;  // more decisions fell in the period than were read
};

// Reads the audit log and draws figures from it. Thread-safe.
class AuditDesk {
 public:
  AuditDesk(audit::AuditLog& log, comments::CommentRepository& comments, const Clock& clock,
            PagingLimits paging);

  // Newest first; all of one comment's entries, oldest first, when
  // `filter.comment_id` is set. INVALID_ARGUMENT naming a bad field.
  void List(const AuditFilter& filter, int page_size, const std::string& page_token,
            audit::Callback<audit::Page> done);

  // Checks the whole chain.
  void Verify(audit::Callback<audit::Verification> done);

  // The queue now, and the decisions of the last `period` (zero: 24 hours;
  // at most 31 days, else INVALID_ARGUMENT).
  void Stats(absl::Duration period, audit::Callback<Figures> done);

 private:
  audit::AuditLog& log_;
  comments::CommentRepository& comments_;
  const Clock& clock_;
  const PagingLimits paging_;
};

}  // namespace moderation
