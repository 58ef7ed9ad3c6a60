#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "moderation/v1/types.pb.h"

// The short names moderators type and read for the API's enums.
namespace moderation::modctl {

// "spam", "advertising", "offensive", "off-topic", "personal-data", "other",
// in the enum's order.
[[nodiscard]] const std::vector<std::string>& RejectionReasonNames();

// The reason named `name` (one of RejectionReasonNames(), exactly), or nullopt.
[[nodiscard]] std::optional<v1::RejectionReason> ParseRejectionReason(absl::string_view name);

// The short name of `reason`; "-" when unspecified, the number when unknown.
[[nodiscard]] std::string RejectionReasonName(v1::RejectionReason reason);

// "pending", "approved", "rejected"; "-" when unspecified, the number when unknown.
[[nodiscard]] std::string CommentStatusName(v1::CommentStatus status);

}  // namespace moderation::modctl
