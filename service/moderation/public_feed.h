#pragma once

#include <string>

#include "service/comments/comment_repository.h"
#include "service/moderation/paging.h"

namespace moderation {

// What readers may see: approved comments, per article, newest first.
// Thread-safe.
class PublicFeed {
 public:
  PublicFeed(comments::CommentRepository& repository, PagingLimits paging,
             std::size_t article_id_max_bytes);

  // INVALID_ARGUMENT naming `article_id`, `page_size` or `page_token`.
  void ListApproved(const std::string& article_id, int page_size, const std::string& page_token,
                    comments::Callback<comments::CommentPage> done);

 private:
  comments::CommentRepository& repository_;
  const PagingLimits paging_;
  const std::size_t article_id_max_bytes_;
};

}  // namespace moderation
