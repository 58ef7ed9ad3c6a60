#include "service/moderation/public_feed.h"

#include <gtest/gtest.h>

#include "service/common/errors.h"
#include "service/moderation/moderation_desk.h"
#include "tests/support/await.h"
#include "tests/support/fake_clock.h"
#include "tests/support/in_memory_comment_repository.h"

namespace moderation {
namespace {

class PublicFeedTest : public ::testing::Test {
 protected:
  void AddAndDecide(const std::string& id, const std::string& article, bool approve) {
    comments::Comment comment;
    comment.id = id;
    comment.article_id = article;
    comment.create_time = clock_.Now();
    testing::Await<absl::StatusOr<comments::EnqueueResult>>(
        [&](auto done) { repository_.Enqueue(comment, std::nullopt, done); });
    testing::Await<absl::StatusOr<comments::Comment>>([&](auto done) {
      if (approve) {
        desk_.Approve(id, "", "m", done);
      } else {
        desk_.Reject(id, comments::RejectionReason::kSpam, "", "m", done);
      }
    });
  }

  absl::StatusOr<comments::CommentPage> List(const std::string& article, int size,
                                             const std::string& token = "") {
    absl::StatusOr<std::shared_ptr<const FeedPage>> page =
        *testing::Await<absl::StatusOr<std::shared_ptr<const FeedPage>>>(
            [&](auto done) { feed_.ListApproved(article, size, token, done); });
    if (!page.ok()) {
      return page.status();
    }
    return (*page)->page();
  }

  testing::FakeClock clock_;
  testing::InMemoryCommentRepository repository_;
  ModerationDesk desk_{repository_, clock_, DeskOptions{}};
  PublicFeed feed_{repository_, PagingLimits{}, 64};
};

TEST_F(PublicFeedTest, ShowsOnlyApprovedCommentsOfTheArticleNewestFirst) {
  AddAndDecide("01JDZZZZZZZZZZZZZZZZZZZZZ1", "a1", true);
  AddAndDecide("01JDZZZZZZZZZZZZZZZZZZZZZ2", "a1", false);
  AddAndDecide("01JDZZZZZZZZZZZZZZZZZZZZZ3", "a1", true);
  AddAndDecide("01JDZZZZZZZZZZZZZZZZZZZZZ4", "a2", true);
  absl::StatusOr<comments::CommentPage> page = List("a1", 0);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->comments.size(), 2u);
  EXPECT_EQ(page->comments[0].id, "01JDZZZZZZZZZZZZZZZZZZZZZ3");
  EXPECT_EQ(page->comments[1].id, "01JDZZZZZZZZZZZZZZZZZZZZZ1");
  EXPECT_TRUE(page->next_cursor.empty());
}

TEST_F(PublicFeedTest, RefusesBadArticleIds) {
  EXPECT_EQ(FieldViolationsOf(List("", 0).status())[0].reason, "REQUIRED");
  EXPECT_EQ(FieldViolationsOf(List("bài viết", 0).status())[0].reason, "INVALID_FORMAT");
  // As SubmitComment answers it.
  EXPECT_EQ(FieldViolationsOf(List(std::string(65, 'a'), 0).status())[0].reason, "TOO_LONG");
}

}  // namespace
}  // namespace moderation
