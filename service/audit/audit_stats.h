#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "service/audit/audit_entry.h"

namespace moderation::audit {

struct ModeratorTally {
  int64_t approved = 0;
  int64_t rejected = 0;
  int64_t undone = 0;
};

// Decisions over a period, net of the undos within it.
struct DecisionTally {
  std::map<std::string, ModeratorTally> moderators;  // by name
  std::map<std::string, int64_t> reasons;            // rejections by reason name
  int64_t flagged_rejected = 0;
  int64_t flagged_approved = 0;
  int64_t unflagged_rejected = 0;
  int64_t unflagged_approved = 0;
  // Retention's work, apart from the decisions: decided comments whose
  // personal data it erased, pending comments it removed for their age.
  int64_t retention_erased = 0;
  int64_t retention_expired = 0;
};

// Counts the decisions among `entries` (in log order). An undo takes its
// decision out of the counts when that decision is among the entries too,
// and counts as undone for its moderator either way. Retention's erasures and
// expiries are counted apart and never as anyone's decisions.
[[nodiscard]] DecisionTally TallyDecisions(const std::vector<Entry>& entries);

}  // namespace moderation::audit
