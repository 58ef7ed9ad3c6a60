#include "service/audit/audit_stats.h"

#include <map>

namespace moderation::audit {
namespace {

void Count(DecisionTally& tally, const Event& event, int64_t delta) {
  ModeratorTally& moderator = tally.moderators[event.actor];
  if (event.action == Action::kApprove) {
    moderator.approved += delta;
    (event.flagged ? tally.flagged_approved : tally.unflagged_approved) += delta;
  } else {
    moderator.rejected += delta;
    (event.flagged ? tally.flagged_rejected : tally.unflagged_rejected) += delta;
    tally.reasons[event.rejection_reason] += delta;
    if (tally.reasons[event.rejection_reason] == 0) {
      tally.reasons.erase(event.rejection_reason);
    }
  }
}

}  // namespace

DecisionTally TallyDecisions(const std::vector<Entry>& entries) {
  DecisionTally tally;
  // Comments whose latest counted decision is in `entries`, with it.
  std::map<std::string, const Event*> counted;
  for (const Entry& entry : entries) {
    const Event& event = entry.event;
    switch (event.action) {
      case Action::kApprove:
      case Action::kReject:
        Count(tally, event, +1);
        counted[event.comment_id] = &event;
        break;
      case Action::kUndo: {
        tally.moderators[event.actor].undone += 1;
        auto it = counted.find(event.comment_id);
        if (it != counted.end()) {
          Count(tally, *it->second, -1);
          counted.erase(it);
        }
        break;
      }
      case Action::kErase:
        tally.retention_erased += 1;
        break;
      case Action::kExpire:
        tally.retention_expired += 1;
        break;
      case Action::kBan:
      case Action::kUnban:
        break;
    }
  }
  return tally;
}

}  // namespace moderation::audit
