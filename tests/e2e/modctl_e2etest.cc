#include <gmock/gmock.h>

#include "tests/e2e/e2e_fixture.h"

namespace moderation::e2e {
namespace {

using ::testing::HasSubstr;

class ModctlTest : public EndToEndTest {};

TEST_F(ModctlTest, ListShowApproveAndRejectThroughTheRealBinary) {
  v1::SubmitCommentResponse first;
  v1::SubmitCommentResponse second;
  ASSERT_TRUE(Submit(ValidSubmission("kinh-doanh-9"), &first).ok());
  ASSERT_TRUE(Submit(ValidSubmission("kinh-doanh-9"), &second).ok());

  testing::CommandResult listed = Modctl({"list"});
  EXPECT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_THAT(listed.output, HasSubstr(first.comment_id()));
  EXPECT_THAT(listed.output, HasSubstr("Hoàng Minh Đức"));

  testing::CommandResult json = Modctl({"--output", "json", "list"});
  EXPECT_EQ(json.exit_code, 0);
  EXPECT_THAT(json.output, HasSubstr("\"comment_id\":\"" + first.comment_id() + "\""));

  testing::CommandResult shown = Modctl({"show", first.comment_id()});
  EXPECT_EQ(shown.exit_code, 0);
  EXPECT_THAT(shown.output, HasSubstr("Mong cơ quan chức năng vào cuộc."));
  EXPECT_THAT(shown.output, HasSubstr("+84 9•• ••• •56"));

  EXPECT_EQ(Modctl({"approve", first.comment_id()}).exit_code, 0);
  EXPECT_EQ(Modctl({"reject", second.comment_id(), "--reason", "spam"}).exit_code, 0);

  // Deciding again fails, and says so in the exit code.
  EXPECT_NE(Modctl({"approve", first.comment_id()}).exit_code, 0);

  v1::ListApprovedCommentsRequest request;
  request.set_article_id("kinh-doanh-9");
  v1::ListApprovedCommentsResponse approved;
  auto context = Context();
  ASSERT_TRUE(portal_->ListApprovedComments(context.get(), request, &approved).ok());
  ASSERT_EQ(approved.comments_size(), 1);
  EXPECT_EQ(approved.comments(0).comment_id(), first.comment_id());
}

TEST_F(ModctlTest, BadInputGivesAUsageOrServerError) {
  EXPECT_NE(Modctl({"reject", "01JD0000000000000000000001", "--reason", "boring"}).exit_code, 0);
  EXPECT_NE(Modctl({"show", "not-an-id"}).exit_code, 0);
}

TEST_F(ModctlTest, HealthFollowsRedis) {
  testing::CommandResult healthy = Modctl({"health"});
  EXPECT_EQ(healthy.exit_code, 0);
  EXPECT_THAT(healthy.output, HasSubstr("SERVING"));
  EXPECT_EQ(Modctl({"health", "--service", "moderation.v1.CommentService"}).exit_code, 0);
  ASSERT_TRUE(redis_->Kill().ok());
  EXPECT_TRUE(
      testing::WaitFor([&] { return Modctl({"health"}).exit_code == 1; }, absl::Seconds(5)));
  ASSERT_TRUE(redis_->Restart().ok());
  EXPECT_TRUE(
      testing::WaitFor([&] { return Modctl({"health"}).exit_code == 0; }, absl::Seconds(5)));
}

}  // namespace
}  // namespace moderation::e2e
