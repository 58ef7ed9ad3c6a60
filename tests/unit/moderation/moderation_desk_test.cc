#include "service/moderation/moderation_desk.h"

#include <gtest/gtest.h>

#include "service/common/errors.h"
#include "tests/support/await.h"
#include "tests/support/fake_clock.h"
#include "tests/support/in_memory_comment_repository.h"

namespace moderation {
namespace {

using comments::Comment;
using comments::CommentStatus;

class ModerationDeskTest : public ::testing::Test {
 protected:
  std::string AddPending(const std::string& id, const std::string& article = "a1") {
    Comment comment;
    comment.id = id;
    comment.article_id = article;
    comment.name = "Lê Văn Cường";
    comment.title = "Tiêu đề";
    comment.body = "Nội dung";
    comment.create_time = clock_.Now();
    testing::Await<absl::StatusOr<comments::EnqueueResult>>(
        [&](auto done) { repository_.Enqueue(comment, std::nullopt, done); });
    return id;
  }

  absl::StatusOr<Comment> Approve(const std::string& id) {
    return *testing::Await<absl::StatusOr<Comment>>(
        [&](auto done) { desk_.Approve(id, "", "mod-a", done); });
  }

  absl::StatusOr<Comment> Reject(const std::string& id,
                                 std::optional<comments::RejectionReason> reason,
                                 const std::string& note = "") {
    return *testing::Await<absl::StatusOr<Comment>>(
        [&](auto done) { desk_.Reject(id, reason, note, "mod-b", done); });
  }

  testing::FakeClock clock_;
  testing::InMemoryCommentRepository repository_;
  ModerationDesk desk_{repository_, clock_, DeskOptions{.paging = {}, .note_max_chars = 10}};
  const std::string id1_ = "01JDZZZZZZZZZZZZZZZZZZZZZ1";
  const std::string id2_ = "01JDZZZZZZZZZZZZZZZZZZZZZ2";
};

TEST_F(ModerationDeskTest, ApprovingRecordsWhoAndWhen) {
  AddPending(id1_);
  absl::StatusOr<Comment> approved = Approve(id1_);
  ASSERT_TRUE(approved.ok()) << approved.status();
  EXPECT_EQ(approved->status, CommentStatus::kApproved);
  EXPECT_EQ(approved->decided_by, "mod-a");
  EXPECT_EQ(approved->decide_time, clock_.Now());
}

TEST_F(ModerationDeskTest, ASecondDecisionIsRefusedAndChangesNothing) {
  AddPending(id1_);
  ASSERT_TRUE(Approve(id1_).ok());
  const absl::Status again = Reject(id1_, comments::RejectionReason::kSpam).status();
  EXPECT_EQ(again.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(again), "COMMENT_NOT_PENDING");
  absl::StatusOr<Comment> stored =
      *testing::Await<absl::StatusOr<Comment>>([&](auto done) { desk_.Get(id1_, done); });
  EXPECT_EQ(stored->status, CommentStatus::kApproved);
  EXPECT_FALSE(stored->rejection_reason.has_value());
}

TEST_F(ModerationDeskTest, RejectingNeedsAReason) {
  AddPending(id1_);
  const absl::Status status = Reject(id1_, std::nullopt).status();
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldViolationsOf(status)[0].field, "reason");
  absl::StatusOr<Comment> rejected = Reject(id1_, comments::RejectionReason::kAdvertising, " ok ");
  ASSERT_TRUE(rejected.ok());
  EXPECT_EQ(rejected->rejection_reason, comments::RejectionReason::kAdvertising);
  EXPECT_EQ(rejected->decision_note, "ok");
}

TEST_F(ModerationDeskTest, RefusesMalformedIdsLongNotesAndUnknownComments) {
  EXPECT_EQ(FieldViolationsOf(Approve("nope").status())[0].field, "comment_id");
  AddPending(id1_);
  const absl::Status long_note =
      Reject(id1_, comments::RejectionReason::kOther, "mười một ký tự").status();
  EXPECT_EQ(FieldViolationsOf(long_note)[0].reason, "TOO_LONG");
  EXPECT_EQ(Approve(id2_).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ModerationDeskTest, ListsPendingOldestFirstInPages) {
  AddPending(id2_);
  AddPending(id1_);
  absl::StatusOr<comments::CommentPage> first =
      *testing::Await<absl::StatusOr<comments::CommentPage>>(
          [&](auto done) { desk_.ListPending(1, "", done); });
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->comments.size(), 1u);
  EXPECT_EQ(first->comments[0].id, id1_);
  EXPECT_EQ(first->total, 2);
  absl::StatusOr<comments::CommentPage> second =
      *testing::Await<absl::StatusOr<comments::CommentPage>>(
          [&](auto done) { desk_.ListPending(1, first->next_cursor, done); });
  ASSERT_EQ(second->comments.size(), 1u);
  EXPECT_EQ(second->comments[0].id, id2_);
}

TEST_F(ModerationDeskTest, RefusesBadPaging) {
  const absl::Status status = testing::Await<absl::StatusOr<comments::CommentPage>>([&](auto done) {
                                desk_.ListPending(1000, "bad-token", done);
                              })->status();
  ASSERT_EQ(FieldViolationsOf(status).size(), 2u);
  EXPECT_EQ(FieldViolationsOf(status)[0].field, "page_size");
  EXPECT_EQ(FieldViolationsOf(status)[1].field, "page_token");
}

}  // namespace
}  // namespace moderation
