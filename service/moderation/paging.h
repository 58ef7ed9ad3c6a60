#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "service/common/ids.h"

namespace moderation {

struct PagingLimits {
  int default_page_size = 20;
  int max_page_size = 100;
};

struct PageRequest {
  int page_size = 0;
  std::string after_id;  // from the page token; empty for the first page
};

// Checks a listing's `page_size` (0 = default, else 1..max) and `page_token`
// (by default a comment id from an earlier page). INVALID_ARGUMENT naming the
// field.
[[nodiscard]] absl::StatusOr<PageRequest> ResolvePage(
    int page_size, absl::string_view page_token, const PagingLimits& limits,
    bool (*token_is_valid)(absl::string_view) = IsWellFormedCommentId);

}  // namespace moderation
