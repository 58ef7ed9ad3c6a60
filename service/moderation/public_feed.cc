#include "service/moderation/public_feed.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "service/common/errors.h"
#include "service/validation/submission_fields.h"

namespace moderation {

PublicFeed::PublicFeed(comments::CommentRepository& repository, PagingLimits paging,
                       std::size_t article_id_max_bytes)
    : repository_(repository), paging_(paging), article_id_max_bytes_(article_id_max_bytes) {}

void PublicFeed::ListApproved(const std::string& article_id, int page_size,
                              const std::string& page_token,
                              comments::Callback<comments::CommentPage> done) {
  std::vector<FieldViolation> violations;
  if (article_id.empty()) {
    violations.push_back({"article_id", "REQUIRED", "Vui lòng nhập Mã bài viết."});
  } else if (article_id.size() > article_id_max_bytes_) {
    violations.push_back(
        {"article_id", "TOO_LONG",
         absl::StrCat("Mã bài viết quá dài (tối đa ", article_id_max_bytes_, " byte).")});
  } else if (!validation::IsValidArticleId(article_id, article_id_max_bytes_)) {
    violations.push_back({"article_id", "INVALID_FORMAT", "Mã bài viết không đúng định dạng."});
  }
  absl::StatusOr<PageRequest> page = ResolvePage(page_size, page_token, paging_);
  if (!page.ok()) {
    for (FieldViolation& violation : FieldViolationsOf(page.status())) {
      violations.push_back(std::move(violation));
    }
  }
  if (!violations.empty()) {
    std::move(done)(InvalidFields(std::move(violations)));
    return;
  }
  repository_.ListApproved(article_id, page->after_id, page->page_size, std::move(done));
}

}  // namespace moderation
