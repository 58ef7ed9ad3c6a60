// The public feed's cache: pages answered from memory only while no approved
// list changed, here or on another replica.
#include "service/moderation/feed_cache.h"

#include <gtest/gtest.h>

#include "service/moderation/moderation_desk.h"
#include "service/moderation/public_feed.h"
#include "tests/support/await.h"
#include "tests/support/fake_clock.h"
#include "tests/support/in_memory_comment_repository.h"

namespace moderation {
namespace {

comments::CommentPage Listing(const std::string& id, std::size_t body_bytes = 0) {
  comments::CommentPage page;
  page.comments.resize(1);
  page.comments[0].id = id;
  page.comments[0].body = body_bytes == 0 ? "Cảm ơn bài viết." : std::string(body_bytes, 'x');
  page.total = 1;
  return page;
}

std::shared_ptr<const FeedPage> PageOf(const std::string& id, std::size_t body_bytes = 0) {
  return std::make_shared<const FeedPage>(Listing(id, body_bytes));
}

class FeedCacheTest : public ::testing::Test {
 protected:
  testing::FakeClock clock_;
  FeedCache cache_{clock_,
                   FeedCache::Options{.max_bytes = 4096, .max_version_age = absl::Seconds(2)}};
};

TEST_F(FeedCacheTest, APageIsServedWhileTheVersionItWasReadUnderIsCurrent) {
  cache_.VersionIs(7);
  cache_.Store("a1", cache_.Begin(), PageOf("c1"));
  ASSERT_TRUE((cache_.Find("a1") != nullptr));
  EXPECT_EQ(cache_.Find("a1")->page().comments[0].id, "c1");
  // The same version read again changes nothing.
  cache_.VersionIs(7);
  EXPECT_TRUE((cache_.Find("a1") != nullptr));
  // Another replica's decision raised it.
  cache_.VersionIs(8);
  EXPECT_FALSE((cache_.Find("a1") != nullptr));
  EXPECT_EQ(cache_.hits(), 3u);
  EXPECT_EQ(cache_.misses(), 1u);
}

TEST_F(FeedCacheTest, ADecisionHereInvalidatesAtOnceAndAReadBegunBeforeItIsNotKept) {
  cache_.VersionIs(1);
  cache_.Store("a1", cache_.Begin(), PageOf("c1"));
  const FeedCache::Stamp before = cache_.Begin();
  cache_.Invalidate();
  EXPECT_FALSE((cache_.Find("a1") != nullptr));
  // What was read before the decision may not hold it: not kept.
  cache_.Store("a1", before, PageOf("c-old"));
  EXPECT_FALSE((cache_.Find("a1") != nullptr));
  cache_.Store("a1", cache_.Begin(), PageOf("c-new"));
  EXPECT_EQ(cache_.Find("a1")->page().comments[0].id, "c-new");
}

TEST_F(FeedCacheTest, NothingIsTrustedWithoutARecentVersion) {
  // Before any version is read.
  cache_.Store("a1", cache_.Begin(), PageOf("c1"));
  EXPECT_FALSE((cache_.Find("a1") != nullptr));
  cache_.VersionIs(3);
  cache_.Store("a1", cache_.Begin(), PageOf("c1"));
  EXPECT_TRUE((cache_.Find("a1") != nullptr));
  // Storage unreachable: the version is not refreshed and grows old.
  clock_.Advance(absl::Seconds(3));
  EXPECT_FALSE((cache_.Find("a1") != nullptr));
  cache_.VersionIs(3);
  EXPECT_TRUE((cache_.Find("a1") != nullptr));
}

TEST_F(FeedCacheTest, APageIsRenderedOnceForAllItsReaders) {
  cache_.VersionIs(1);
  cache_.Store("a1", cache_.Begin(), PageOf("c1"));
  int renders = 0;
  const auto render = [&](const comments::CommentPage& page) {
    ++renders;
    return "bytes of " + page.comments[0].id;
  };
  EXPECT_EQ(cache_.Find("a1")->Rendered(render), "bytes of c1");
  EXPECT_EQ(cache_.Find("a1")->Rendered(render), "bytes of c1");
  EXPECT_EQ(renders, 1);
}

TEST_F(FeedCacheTest, PastItsMemoryTheCacheStartsAgainEmpty) {
  cache_.VersionIs(1);
  // Counted twice its text (the page and its rendered reply): about 2,600 bytes.
  const std::shared_ptr<const FeedPage> big = PageOf("big", 1000);
  cache_.Store("a1", cache_.Begin(), big);
  EXPECT_TRUE((cache_.Find("a1") != nullptr));
  cache_.Store("a2", cache_.Begin(), big);
  EXPECT_FALSE((cache_.Find("a1") != nullptr));
  EXPECT_TRUE((cache_.Find("a2") != nullptr));
  // A page larger than the whole cache is never kept.
  cache_.Store("a3", cache_.Begin(), PageOf("bigger", 2500));
  EXPECT_FALSE((cache_.Find("a3") != nullptr));
}

// The feed with its cache, over the in-memory repository.
class CachedFeedTest : public ::testing::Test {
 protected:
  void Enqueue(const std::string& id) {
    comments::Comment comment;
    comment.id = id;
    comment.article_id = "a1";
    comment.create_time = clock_.Now();
    ASSERT_TRUE(testing::Await<absl::StatusOr<comments::EnqueueResult>>([&](auto done) {
                  repository_.Enqueue(comment, std::nullopt, done);
                })->ok());
  }
  std::vector<std::string> Listed() {
    absl::StatusOr<std::shared_ptr<const FeedPage>> page =
        *testing::Await<absl::StatusOr<std::shared_ptr<const FeedPage>>>(
            [&](auto done) { feed_.ListApproved("a1", 10, "", done); });
    EXPECT_TRUE(page.ok()) << page.status();
    std::vector<std::string> ids;
    if (page.ok()) {
      for (const comments::Comment& comment : (*page)->page().comments) {
        ids.push_back(comment.id);
      }
    }
    return ids;
  }

  testing::FakeClock clock_;
  testing::InMemoryCommentRepository repository_;
  FeedCache cache_{clock_, FeedCache::Options{}};
  ModerationDesk desk_{repository_, clock_, DeskOptions{}, nullptr, nullptr, &cache_};
  PublicFeed feed_{repository_, PagingLimits{}, 64, &cache_};
};

TEST_F(CachedFeedTest, RepeatedReadsLeaveStorageAloneUntilAnApprovalHere) {
  feed_.RefreshVersion();
  Enqueue("01JDZZZZZZZZZZZZZZZZZZZZZ1");
  ASSERT_TRUE(testing::Await<absl::StatusOr<comments::Comment>>([&](auto done) {
                desk_.Approve("01JDZZZZZZZZZZZZZZZZZZZZZ1", "", "lan", done);
              })->ok());
  EXPECT_EQ(Listed(), std::vector<std::string>{"01JDZZZZZZZZZZZZZZZZZZZZZ1"});
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Listed(), std::vector<std::string>{"01JDZZZZZZZZZZZZZZZZZZZZZ1"});
  }
  EXPECT_EQ(repository_.list_approved_calls(), 1);

  // An approval on this replica shows on the next read.
  Enqueue("01JDZZZZZZZZZZZZZZZZZZZZZ2");
  ASSERT_TRUE(testing::Await<absl::StatusOr<comments::Comment>>([&](auto done) {
                desk_.Approve("01JDZZZZZZZZZZZZZZZZZZZZZ2", "", "lan", done);
              })->ok());
  EXPECT_EQ(Listed(),
            (std::vector<std::string>{"01JDZZZZZZZZZZZZZZZZZZZZZ2", "01JDZZZZZZZZZZZZZZZZZZZZZ1"}));
  // And its undo too.
  ASSERT_TRUE(testing::Await<absl::StatusOr<comments::Comment>>([&](auto done) {
                desk_.Undo("01JDZZZZZZZZZZZZZZZZZZZZZ2", "s1", "lan", done);
              })->ok());
  EXPECT_EQ(Listed(), std::vector<std::string>{"01JDZZZZZZZZZZZZZZZZZZZZZ1"});
}

TEST_F(CachedFeedTest, AnotherReplicasApprovalShowsOnceTheVersionIsRead) {
  feed_.RefreshVersion();
  EXPECT_TRUE(Listed().empty());
  // Decided through the storage directly, as another replica's desk would.
  Enqueue("01JDZZZZZZZZZZZZZZZZZZZZZ3");
  comments::Decision decision;
  decision.status = comments::CommentStatus::kApproved;
  decision.moderator = "mai";
  decision.time = clock_.Now();
  ASSERT_TRUE(testing::Await<absl::StatusOr<comments::Comment>>([&](auto done) {
                repository_.Decide("01JDZZZZZZZZZZZZZZZZZZZZZ3", decision, done);
              })->ok());
  EXPECT_TRUE(Listed().empty()) << "within the refresh interval the cached page stands";
  feed_.RefreshVersion();
  EXPECT_EQ(Listed(), std::vector<std::string>{"01JDZZZZZZZZZZZZZZZZZZZZZ3"});
}

}  // namespace
}  // namespace moderation
