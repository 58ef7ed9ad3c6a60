#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "service/audit/audit_entry.h"

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
  std::string phone_digest;      // HMAC-SHA-256 hex of "phone:" + E.164, or empty
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
  // Not stored with the comment: in queue listings, the moderator whose
  // claim it is under, if any.
  std::string claimed_by;
};

// A moderator's decision on a pending comment.
struct Decision {
  CommentStatus status = CommentStatus::kApproved;  // kApproved or kRejected
  std::optional<RejectionReason> rejection_reason;  // set when rejected
  std::string note;
  std::string moderator;
  absl::Time time;
  // How long the moderator may take it back (see CommentRepository::Undo).
  absl::Duration undo_window = absl::ZeroDuration();
  // Written to the audit log in the same atomic step as the decision.
  audit::Event audit;
};

// Taking back a moderator's last decision.
struct UndoOrder {
  std::string moderator;
  std::string session;  // gets the comment's claim back
  absl::Time time;
  absl::Duration window;     // since the decision
  absl::Duration claim_ttl;  // of the claim given back
  // What the desk saw; the undo fails if the comment has changed since.
  CommentStatus expected_status = CommentStatus::kApproved;
  audit::Event audit;
};

// One page of a listing, and where the next one starts.
struct CommentPage {
  std::vector<Comment> comments;
  std::string next_cursor;  // empty on the last page
  int64_t total = 0;        // size of the whole listing
};

// Narrows the pending queue; every criterion set must hold. Empty matches all.
struct PendingFilter {
  std::string article_id;
  std::string spam_rule;  // a rule that counted (not shadow) in the score
  std::optional<double> min_spam_score;
  std::optional<absl::Time> created_at_or_before;
  std::optional<absl::Time> created_at_or_after;
  std::string author_key;      // PhoneAuthorKey or IpAuthorKey
  std::string client_network;  // as stored, "203.0.113.0/24"
  bool flagged_only = false;

  [[nodiscard]] bool empty() const {
    return article_id.empty() && spam_rule.empty() && !min_spam_score && !created_at_or_before &&
           !created_at_or_after && author_key.empty() && client_network.empty() && !flagged_only;
  }
};

// Handing out the next pending comment to one moderator's session.
struct ClaimOrder {
  PendingFilter filter;
  std::string moderator;
  std::string session;
  std::vector<std::string> exclude;  // ids not to hand out
  std::string release_id;            // a claim of this moderator to give up first
  absl::Time now;
  absl::Duration ttl;
};

struct ClaimResult {
  std::optional<Comment> comment;  // none: nothing left to claim
  absl::Time expire_time;
  int64_t total_pending = 0;
};

// What one author (by author key) has written besides a given comment.
struct AuthorRecord {
  std::string author_key;
  int64_t other_comments = 0;
  int64_t pending = 0;
  int64_t approved = 0;
  int64_t rejected = 0;
  bool partial = false;  // counts cover only the most recent comments
  // Newest first, a few; id, article, status, reason and time only.
  std::vector<Comment> recent;
};

struct QueueSummary {
  int64_t pending = 0;
  int64_t flagged = 0;
  std::optional<absl::Time> oldest;  // creation time of the oldest pending
};

// Keys that name an author without their phone or address: "ph-" or "ip-"
// then the first 32 hex digits of the stored keyed hash. Empty when the
// comment has no such digest.
[[nodiscard]] std::string PhoneAuthorKey(const Comment& comment);
[[nodiscard]] std::string IpAuthorKey(const Comment& comment);
[[nodiscard]] std::string PhoneAuthorKeyFromDigest(absl::string_view phone_digest_hex);
[[nodiscard]] std::string IpAuthorKeyFromDigest(absl::string_view ip_digest_hex);
[[nodiscard]] bool IsWellFormedAuthorKey(absl::string_view key);

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
// FAILED_PRECONDITION, reason UNDO_NOT_ALLOWED, saying why (`why` is English,
// for logs and moderators; the Vietnamese message is generic).
[[nodiscard]] absl::Status UndoNotAllowed(absl::string_view why);

}  // namespace moderation::comments
