#pragma once

#include <string>

#include "service/comments/comment_repository.h"
#include "service/moderation/feed_cache.h"
#include "service/moderation/paging.h"

namespace moderation {

// What readers may see: approved comments, per article, newest first.
// Thread-safe.
class PublicFeed {
 public:
  // With `cache`, pages are answered from it while they are current (see
  // FeedCache); RefreshVersion must then be called every few hundred
  // milliseconds.
  PublicFeed(comments::CommentRepository& repository, PagingLimits paging,
             std::size_t article_id_max_bytes, FeedCache* cache = nullptr);

  // INVALID_ARGUMENT naming `article_id`, `page_size` or `page_token`.
  void ListApproved(const std::string& article_id, int page_size, const std::string& page_token,
                    comments::Callback<std::shared_ptr<const FeedPage>> done);

  // Reads the approved lists' shared version for the cache; a failure leaves
  // the cache to distrust what it holds once the last version grows old.
  void RefreshVersion();

 private:
  comments::CommentRepository& repository_;
  const PagingLimits paging_;
  const std::size_t article_id_max_bytes_;
  FeedCache* const cache_;
};

}  // namespace moderation
