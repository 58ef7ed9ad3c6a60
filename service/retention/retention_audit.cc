#include "service/retention/retention_audit.h"

#include <atomic>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "service/common/log.h"

namespace moderation::retention {
namespace {

std::string Age(absl::Duration age) {
  const absl::Duration day = absl::Hours(24);
  if (age > absl::ZeroDuration() && age % day == absl::ZeroDuration()) {
    const int64_t days = age / day;
    return absl::StrCat(days, days == 1 ? " day" : " days");
  }
  return absl::FormatDuration(age);
}

}  // namespace

std::string EraseNote(absl::Duration personal_data) {
  return absl::StrCat("personal data kept ", Age(personal_data),
                      " after the decision (retention.personal_data_days)");
}

std::string ExpireNote(absl::Duration pending_max_age) {
  return absl::StrCat("pending longer than ", Age(pending_max_age),
                      " (retention.pending_max_age_days)");
}

RetentionAuditor::RetentionAuditor(audit::AuditLog& log, const Clock& clock,
                                   absl::Duration personal_data, absl::Duration pending_max_age,
                                   FailureObserver on_failure)
    : log_(log),
      clock_(clock),
      erase_note_(EraseNote(personal_data)),
      expire_note_(ExpireNote(pending_max_age)),
      on_failure_(std::move(on_failure)) {}

int64_t RetentionAuditor::Record(const SweepStep& step) {
  const int total = static_cast<int>(step.erased_ids.size() + step.expired_ids.size());
  if (total == 0) {
    return 0;
  }
  // Shared with the callbacks: they run on the store's thread and may still
  // hold these an instant after Wait returns.
  auto done = std::make_shared<absl::BlockingCounter>(total);
  auto written = std::make_shared<std::atomic<int64_t>>(0);
  const auto append = [&](audit::Action action, const std::string& id, const std::string& note) {
    audit::Event event;
    event.action = action;
    event.actor = std::string(audit::kRetentionActor);
    event.time = clock_.Now();
    event.comment_id = id;
    event.note = note;
    log_.Append(std::move(event), [this, action, id, done,
                                   written](absl::StatusOr<audit::Entry> entry) mutable {
      if (entry.ok()) {
        written->fetch_add(1);
      } else {
        log::Warning("retention audit entry not written", {{"comment_id", id},
                                                           {"action", audit::ActionName(action)},
                                                           {"error", entry.status().message()}});
        if (on_failure_) {
          on_failure_(action);
        }
      }
      done->DecrementCount();
    });
  };
  for (const std::string& id : step.erased_ids) {
    append(audit::Action::kErase, id, erase_note_);
  }
  for (const std::string& id : step.expired_ids) {
    append(audit::Action::kExpire, id, expire_note_);
  }
  done->Wait();
  return written->load();
}

}  // namespace moderation::retention
