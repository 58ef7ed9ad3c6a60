#include "service/comments/comment.h"

#include <array>
#include <utility>

#include "absl/strings/str_cat.h"
#include "service/common/ids.h"

namespace moderation::comments {
namespace {

constexpr std::array<std::pair<CommentStatus, absl::string_view>, 3> kStatusNames = {{
    {CommentStatus::kPending, "pending"},
    {CommentStatus::kApproved, "approved"},
    {CommentStatus::kRejected, "rejected"},
}};

constexpr std::array<std::pair<RejectionReason, absl::string_view>, 6> kReasonNames = {{
    {RejectionReason::kSpam, "spam"},
    {RejectionReason::kAdvertising, "advertising"},
    {RejectionReason::kOffensive, "offensive"},
    {RejectionReason::kOffTopic, "off_topic"},
    {RejectionReason::kPersonalData, "personal_data"},
    {RejectionReason::kOther, "other"},
}};

constexpr std::size_t kAuthorKeyHexDigits = 32;

bool IsLowerHex(absl::string_view text) {
  return text.find_first_not_of("0123456789abcdef") == absl::string_view::npos;
}

}  // namespace

std::string PhoneAuthorKeyFromDigest(absl::string_view phone_digest_hex) {
  if (phone_digest_hex.size() < kAuthorKeyHexDigits) {
    return "";
  }
  return absl::StrCat("ph-", phone_digest_hex.substr(0, kAuthorKeyHexDigits));
}

std::string IpAuthorKeyFromDigest(absl::string_view ip_digest_hex) {
  if (ip_digest_hex.size() < kAuthorKeyHexDigits) {
    return "";
  }
  return absl::StrCat("ip-", ip_digest_hex.substr(0, kAuthorKeyHexDigits));
}

std::string PhoneAuthorKey(const Comment& comment) {
  return PhoneAuthorKeyFromDigest(comment.phone_digest);
}

std::string IpAuthorKey(const Comment& comment) {
  return IpAuthorKeyFromDigest(comment.client_ip_digest);
}

bool IsWellFormedAuthorKey(absl::string_view key) {
  return key.size() == 3 + kAuthorKeyHexDigits &&
         (key.substr(0, 3) == "ph-" || key.substr(0, 3) == "ip-") && IsLowerHex(key.substr(3));
}

std::string QueuePosition(absl::string_view comment_id, bool flagged) {
  return absl::StrCat(flagged ? "0" : "1", comment_id);
}

bool IsWellFormedQueuePosition(absl::string_view position) {
  return !position.empty() && (position[0] == '0' || position[0] == '1') &&
         IsWellFormedCommentId(position.substr(1));
}

absl::string_view StatusName(CommentStatus status) {
  for (const auto& [value, name] : kStatusNames) {
    if (value == status) {
      return name;
    }
  }
  return "pending";
}

std::optional<CommentStatus> ParseStatus(absl::string_view name) {
  for (const auto& [value, known] : kStatusNames) {
    if (known == name) {
      return value;
    }
  }
  return std::nullopt;
}

absl::string_view ReasonName(RejectionReason reason) {
  for (const auto& [value, name] : kReasonNames) {
    if (value == reason) {
      return name;
    }
  }
  return "other";
}

std::optional<RejectionReason> ParseReason(absl::string_view name) {
  for (const auto& [value, known] : kReasonNames) {
    if (known == name) {
      return value;
    }
  }
  return std::nullopt;
}

}  // namespace moderation::comments

#include "absl/strings/str_cat.h"
#include "service/common/errors.h"

namespace moderation::comments {

absl::Status CommentNotFound(absl::string_view comment_id) {
  return ErrorWithReasonCode(absl::StatusCode::kNotFound, "COMMENT_NOT_FOUND",
                             absl::StrCat("no comment with id ", comment_id));
}

absl::Status CommentNotPending(CommentStatus current) {
  return ErrorWithReasonCode(
      absl::StatusCode::kFailedPrecondition, "COMMENT_NOT_PENDING",
      absl::StrCat("comment is no longer pending: it is ", StatusName(current)));
}

}  // namespace moderation::comments

namespace moderation::comments {

absl::Status UndoNotAllowed(absl::string_view why) {
  return ErrorWithReasonCode(absl::StatusCode::kFailedPrecondition, "UNDO_NOT_ALLOWED", why);
}

}  // namespace moderation::comments
