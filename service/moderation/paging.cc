#include "service/moderation/paging.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "service/common/errors.h"
#include "service/common/ids.h"

namespace moderation {

absl::StatusOr<PageRequest> ResolvePage(int page_size, absl::string_view page_token,
                                        const PagingLimits& limits,
                                        bool (*token_is_valid)(absl::string_view)) {
  std::vector<FieldViolation> violations;
  PageRequest request;
  if (page_size < 0 || page_size > limits.max_page_size) {
    violations.push_back(
        {"page_size", "OUT_OF_RANGE",
         absl::StrCat("Số mục mỗi trang phải từ 1 đến ", limits.max_page_size, ".")});
  } else {
    request.page_size = page_size == 0 ? limits.default_page_size : page_size;
  }
  if (!page_token.empty() && !token_is_valid(page_token)) {
    violations.push_back({"page_token", "INVALID_FORMAT", "Mã trang không hợp lệ."});
  } else {
    request.after_id = std::string(page_token);
  }
  if (!violations.empty()) {
    return InvalidFields(std::move(violations));
  }
  return request;
}

}  // namespace moderation
