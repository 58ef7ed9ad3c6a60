#include <gmock/gmock.h>

#include "tests/e2e/e2e_fixture.h"

namespace moderation::e2e {
namespace {

using ::testing::HasSubstr;

class BansTest : public EndToEndTest {
 protected:
  v1::SubmitCommentResponse SubmitFrom(const std::string& ip, const std::string& phone) {
    // A fresh article each time keeps these tests clear of the rate limits.
    v1::SubmitCommentRequest request = ValidSubmission("ban-" + std::to_string(++submissions_));
    request.set_client_ip(ip);
    request.set_phone(phone);
    v1::SubmitCommentResponse response;
    const grpc::Status status = Submit(request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  int submissions_ = 0;
};

TEST_F(BansTest, BanningACommentsAuthorThroughModctlRefusesTheirNextComment) {
  const v1::SubmitCommentResponse first = SubmitFrom("198.51.100.50", "0912 111 222");
  ASSERT_EQ(first.status(), v1::SUBMISSION_STATUS_PENDING_MODERATION);

  testing::CommandResult banned =
      Modctl({"ban", "--comment", first.comment_id(), "--reason", "rao vặt", "--hours", "24"});
  ASSERT_EQ(banned.exit_code, 0) << banned.output;
  EXPECT_THAT(banned.output, HasSubstr("198.51.100.0/24 (1 địa chỉ)"));
  EXPECT_THAT(banned.output, HasSubstr("+84 9•• ••• •22"));
  EXPECT_EQ(banned.output.find("198.51.100.50"), std::string::npos);

  // Same address, another phone: refused, as data the portal can show.
  const v1::SubmitCommentResponse refused = SubmitFrom("198.51.100.50", "");
  EXPECT_EQ(refused.status(), v1::SUBMISSION_STATUS_REFUSED);
  EXPECT_EQ(refused.refusal_reason(), "BANNED");
  EXPECT_TRUE(refused.comment_id().empty());
  // Same phone, another address: refused too.
  EXPECT_EQ(SubmitFrom("192.0.2.7", "0912111222").status(), v1::SUBMISSION_STATUS_REFUSED);
  // A neighbour on the same /24 is not banned by an address ban.
  EXPECT_EQ(SubmitFrom("198.51.100.51", "").status(), v1::SUBMISSION_STATUS_PENDING_MODERATION);

  testing::CommandResult listed = Modctl({"--output", "json", "bans"});
  ASSERT_EQ(listed.exit_code, 0);
  EXPECT_THAT(listed.output, HasSubstr("BAN_KIND_IP_ADDRESS"));
  EXPECT_THAT(listed.output, HasSubstr("BAN_KIND_PHONE"));

  v1::ListBansResponse bans;
  auto context = Context();
  ASSERT_TRUE(moderation_->ListBans(context.get(), v1::ListBansRequest(), &bans).ok());
  ASSERT_EQ(bans.bans_size(), 2);
  std::vector<std::string> unban = {"unban"};
  for (const v1::Ban& ban : bans.bans()) {
    unban.push_back(ban.ban_id());
  }
  EXPECT_EQ(Modctl(unban).exit_code, 0);
  EXPECT_EQ(SubmitFrom("198.51.100.50", "0912111222").status(),
            v1::SUBMISSION_STATUS_PENDING_MODERATION);
}

TEST_F(BansTest, APrefixBanCoversItsWholeBlock) {
  v1::CreateBanRequest request;
  request.set_ip_prefix("203.0.113.99/24");
  request.set_reason("botnet");
  v1::CreateBanResponse response;
  auto context = Context();
  const grpc::Status status = moderation_->CreateBan(context.get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.bans_size(), 1);
  EXPECT_EQ(response.bans(0).target_display(), "203.0.113.0/24");
  EXPECT_FALSE(response.bans(0).has_expire_time());
  EXPECT_EQ(SubmitFrom("203.0.113.1", "").status(), v1::SUBMISSION_STATUS_REFUSED);
  EXPECT_EQ(SubmitFrom("203.0.114.1", "").status(), v1::SUBMISSION_STATUS_PENDING_MODERATION);
}

TEST_F(BansTest, BadBanOrdersAreNamed) {
  v1::CreateBanRequest request;
  request.set_reason("x");
  v1::CreateBanResponse response;
  auto context = Context();
  grpc::Status status = moderation_->CreateBan(context.get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolationsOf(status), ::testing::ElementsAre("ip_address:ONE_TARGET_REQUIRED"));
  request.set_ip_prefix("10.0.0.0/8");
  context = Context();
  status = moderation_->CreateBan(context.get(), request, &response);
  EXPECT_THAT(ViolationsOf(status), ::testing::ElementsAre("ip_prefix:INVALID_FORMAT"));
  EXPECT_NE(Modctl({"unban", "ip-doesnotexist"}).exit_code, 0);
}

}  // namespace
}  // namespace moderation::e2e
