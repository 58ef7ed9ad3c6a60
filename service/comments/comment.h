#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace moderation::comments {

enum class CommentStatus { kPending, kApproved, kRejected };

// The fixed list moderators choose from when rejecting.
enum class RejectionReason { kSpam, kAdvertising, kOffensive, kOffTopic, kPersonalData, kOther };

// One spam rule that fired on a comment when it was submitted.
struct SpamSignal {
  std::string rule;
  double score = 0;
  std::string detail;
  bool shadow = false;  // reported, not counted
};

// A stored comment. Personal data is kept only sealed or hashed.
struct Comment {
  std::string id;  // time-ordered (see common/ids.h)
  std::string article_id;
  std::string name;
  std::string title;
  std::string body;
  std::string phone_sealed;      // AES-256-GCM sealed E.164, or empty
  std::string client_ip_digest;  // HMAC-SHA-256 hex of the address
  std::string client_network;    // "203.0.113.0/24"
  std::string user_agent;
  // The spam score at submission, whether it reached the flag threshold
  // (flagged comments are listed first), and the rules that fired.
  double spam_score = 0;
  bool flagged = false;
  std::vector<SpamSignal> spam_signals;
  CommentStatus status = CommentStatus::kPending;
  absl::Time create_time;
  std::optional<absl::Time> decide_time;
  std::string decided_by;
  std::optional<RejectionReason> rejection_reason;
  std::string decision_note;
};

// A moderator's decision on a pending comment.
struct Decision {
  CommentStatus status = CommentStatus::kApproved;  // kApproved or kRejected
  std::optional<RejectionReason> rejection_reason;  // set when rejected
  std::string note;
  std::string moderator;
  absl::Time time;
};

// One page of a listing, and where the next one starts.
struct CommentPage {
  std::vector<Comment> comments;
  std::string next_cursor;  // empty on the last page
  int64_t total = 0;        // size of the whole listing
};

// A pending comment's place in the moderation queue, which is also the queue
// listing's page cursor: flagged comments first, then the others, each oldest
// first ("0" or "1", then the time-ordered id).
[[nodiscard]] std::string QueuePosition(absl::string_view comment_id, bool flagged);
[[nodiscard]] bool IsWellFormedQueuePosition(absl::string_view position);

[[nodiscard]] absl::string_view StatusName(CommentStatus status);
[[nodiscard]] std::optional<CommentStatus> ParseStatus(absl::string_view name);
[[nodiscard]] absl::string_view ReasonName(RejectionReason reason);
[[nodiscard]] std::optional<RejectionReason> ParseReason(absl::string_view name);

}  // namespace moderation::comments

namespace moderation::comments {

// The errors every repository returns for these cases.
[[nodiscard]] absl::Status CommentNotFound(absl::string_view comment_id);
[[nodiscard]] absl::Status CommentNotPending(CommentStatus current);

}  // namespace moderation::comments
