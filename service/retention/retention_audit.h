#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "absl/time/time.h"
#include "service/audit/audit_log.h"
#include "service/common/clock.h"
#include "service/retention/retention_store.h"

namespace moderation::retention {

// What the audit log says of a rule, e.g. "personal data kept 90 days after
// the decision (retention.personal_data_days)".
[[nodiscard]] std::string EraseNote(absl::Duration personal_data);
[[nodiscard]] std::string ExpireNote(absl::Duration pending_max_age);

// Writes one audit entry per comment a sweep step changed: kErase or kExpire,
// by audit::kRetentionActor, the rule in the note. The step has already
// happened in the store when its entries are appended: an entry is sealed
// with a key that never goes to Redis, and which comments a step changes is
// only known once its script has run, so the two cannot be one script as a
// moderator's decision and its entry are. A failed append is logged (the
// comment id and action, nothing personal) and counted. Thread-safe.
class RetentionAuditor {
 public:
  // Told of each entry that could not be written.
  using FailureObserver = std::function<void(audit::Action action)>;

  RetentionAuditor(audit::AuditLog& log, const Clock& clock, absl::Duration personal_data,
                   absl::Duration pending_max_age, FailureObserver on_failure = nullptr);

  // Appends the entries of `step` and returns once each is written or has
  // failed, so that a sweep never runs ahead of its audit trail. Blocks: for
  // the sweeping thread, never a request thread. The number written.
  int64_t Record(const SweepStep& step);

 private:
  audit::AuditLog& log_;
  const Clock& clock_;
  const std::string erase_note_;
  const std::string expire_note_;
  const FailureObserver on_failure_;
};

}  // namespace moderation::retention
