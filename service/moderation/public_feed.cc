#include "service/moderation/public_feed.h"

#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "service/common/errors.h"
#include "service/validation/submission_fields.h"

namespace moderation {

PublicFeed::PublicFeed(comments::CommentRepository& repository, PagingLimits paging,
                       std::size_t article_id_max_bytes, FeedCache* cache)
    : repository_(repository),
      paging_(paging),
      article_id_max_bytes_(article_id_max_bytes),
      cache_(cache) {}

void PublicFeed::ListApproved(const std::string& article_id, int page_size,
                              const std::string& page_token,
                              comments::Callback<std::shared_ptr<const FeedPage>> done) {
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
  if (cache_ == nullptr) {
    repository_.ListApproved(
        article_id, page->after_id, page->page_size,
        [done = std::move(done)](absl::StatusOr<comments::CommentPage> listed) mutable {
          if (!listed.ok()) {
            std::move(done)(listed.status());
            return;
          }
          std::move(done)(std::make_shared<const FeedPage>(*std::move(listed)));
        });
    return;
  }
  // Article ids and page tokens hold no NUL: the parts cannot run together.
  std::string key = absl::StrCat(article_id, absl::string_view("\0", 1), page->after_id,
                                 absl::string_view("\0", 1), page->page_size);
  if (std::shared_ptr<const FeedPage> cached = cache_->Find(key)) {
    std::move(done)(std::move(cached));
    return;
  }
  const FeedCache::Stamp stamp = cache_->Begin();
  repository_.ListApproved(article_id, page->after_id, page->page_size,
                           [cache = cache_, key = std::move(key), stamp, done = std::move(done)](
                               absl::StatusOr<comments::CommentPage> listed) mutable {
                             if (!listed.ok()) {
                               std::move(done)(listed.status());
                               return;
                             }
                             auto fresh = std::make_shared<const FeedPage>(*std::move(listed));
                             cache->Store(key, stamp, fresh);
                             std::move(done)(std::move(fresh));
                           });
}

void PublicFeed::RefreshVersion() {
  if (cache_ == nullptr) {
    return;
  }
  repository_.ApprovedVersion([cache = cache_](absl::StatusOr<int64_t> version) {
    if (version.ok()) {
      cache->VersionIs(*version);
    }
  });
}

}  // namespace moderation
