#include "client/modctl/enum_names.h"

#include <array>
#include <utility>

#include "absl/strings/str_cat.h"

namespace moderation::modctl {
namespace {

constexpr std::array<std::pair<absl::string_view, v1::RejectionReason>, 6> kRejectionReasons = {{
    {"spam", v1::REJECTION_REASON_SPAM},
    {"advertising", v1::REJECTION_REASON_ADVERTISING},
    {"offensive", v1::REJECTION_REASON_OFFENSIVE},
    {"off-topic", v1::REJECTION_REASON_OFF_TOPIC},
    {"personal-data", v1::REJECTION_REASON_PERSONAL_DATA},
    {"other", v1::REJECTION_REASON_OTHER},
}};

constexpr std::array<std::pair<absl::string_view, v1::CommentStatus>, 3> kCommentStatuses = {{
    {"pending", v1::COMMENT_STATUS_PENDING},
    {"approved", v1::COMMENT_STATUS_APPROVED},
    {"rejected", v1::COMMENT_STATUS_REJECTED},
}};

// Unspecified means the field is not set; an unknown value comes from a newer
// server and is shown by number rather than hidden.
template <typename Enum, std::size_t kSize>
std::string NameOf(const std::array<std::pair<absl::string_view, Enum>, kSize>& names, Enum value) {
  for (const auto& [name, known] : names) {
    if (known == value) {
      return std::string(name.data(), name.size());
    }
  }
  if (static_cast<int>(value) == 0) {
    return "-";
  }
  return absl::StrCat(static_cast<int>(value));
}

}  // namespace

const std::vector<std::string>& RejectionReasonNames() {
  static const auto* const names = [] {
    auto* list = new std::vector<std::string>();
    for (const auto& [name, reason] : kRejectionReasons) {
      list->emplace_back(name);
    }
    return list;
  }();
  return *names;
}

std::optional<v1::RejectionReason> ParseRejectionReason(absl::string_view name) {
  for (const auto& [known, reason] : kRejectionReasons) {
    if (known == name) {
      return reason;
    }
  }
  return std::nullopt;
}

std::string RejectionReasonName(v1::RejectionReason reason) {
  return NameOf(kRejectionReasons, reason);
}

std::string CommentStatusName(v1::CommentStatus status) { return NameOf(kCommentStatuses, status); }

}  // namespace moderation::modctl
