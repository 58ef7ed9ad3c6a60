#include <gmock/gmock.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/e2e/moderator_cli_fixture.h"

// `modctl review` in a pseudo-terminal, keys typed as a moderator types them.
namespace moderation::e2e {
namespace {

using ::testing::HasSubstr;

class ModctlReviewTest : public ModeratorCliTest {
 protected:
  // The id of the comment on the review screen drawn last (its second line).
  static std::string ShownId(const std::string& screen) {
    const std::size_t top = screen.rfind("modctl review");
    if (top == std::string::npos) {
      return "";
    }
    const std::vector<std::string> ids = CommentIdsIn(screen.substr(top));
    return ids.empty() ? "" : ids.front();
  }

  // Waits until the screen shows a comment other than `previous`.
  std::string NextShown(testing::PtyProcess& terminal, const std::string& previous) {
    std::string shown;
    testing::WaitFor(
        [&] {
          (void)terminal.WaitFor("[q]uit", absl::Milliseconds(50));
          shown = ShownId(terminal.output());
          return !shown.empty() && shown != previous;
        },
        absl::Seconds(10));
    return shown;
  }
};

TEST_F(ModctlReviewTest, ApproveRejectSkipAndUndoOneKeyEach) {
  const std::string first = Post("thoi-su-1", "Nguyễn Thị Hoa", "Đường sá xuống cấp",
                                 "Con đường qua xã tôi đã hỏng nặng, mong chính quyền sửa sớm.");
  const std::string second =
      Post("thoi-su-1", "Trần Văn Nam", "Quảng cáo", "Vay tiền nhanh, nhà cái uy tín, gọi ngay!",
           "198.51.100.9", "0912 000 111");
  const std::string third = Post("thoi-su-1", "Lê Thu", "Đồng ý", "Tôi đồng ý với bài viết.",
                                 "192.0.2.5", "0977 111 222");
  const std::string fourth =
      Post("thoi-su-1", "Phạm An", "Góp ý", "Cảm ơn phóng viên.", "192.0.2.6", "0977 333 444");

  std::unique_ptr<testing::PtyProcess> review = ModctlInTerminal({"review", "--as", "lan"});
  ASSERT_TRUE(review);
  ASSERT_TRUE(review->WaitFor("[q]uit")) << review->output();
  // Flagged first: the advert.
  EXPECT_EQ(ShownId(review->output()), second);
  EXPECT_THAT(review->output(), HasSubstr("Trần Văn Nam"));
  EXPECT_THAT(review->output(), HasSubstr("FLAGGED"));
  EXPECT_THAT(review->output(), HasSubstr("+84 9•• ••• •11"));

  // r, then 1 for spam; the next comment comes at once.
  review->Mark();
  ASSERT_TRUE(review->Type("r").ok());
  ASSERT_TRUE(review->WaitFor("Reject as:")) << review->output();
  ASSERT_TRUE(review->Type("1").ok());
  ASSERT_TRUE(review->WaitFor(absl::StrCat("rejected (spam) ", second))) << review->since_mark();
  EXPECT_EQ(NextShown(*review, second), first);

  review->Mark();
  ASSERT_TRUE(review->Type("a").ok());
  ASSERT_TRUE(review->WaitFor(absl::StrCat("approved ", first))) << review->since_mark();
  EXPECT_EQ(NextShown(*review, first), third);

  review->Mark();
  ASSERT_TRUE(review->Type("s").ok());
  ASSERT_TRUE(review->WaitFor(absl::StrCat("skipped ", third))) << review->since_mark();
  EXPECT_EQ(NextShown(*review, third), fourth);

  // u takes back the last decision (the approval) and shows that comment again.
  review->Mark();
  ASSERT_TRUE(review->Type("u").ok());
  ASSERT_TRUE(review->WaitFor(absl::StrCat("undone: ", first, " is pending again")))
      << review->since_mark();
  EXPECT_EQ(NextShown(*review, fourth), first);
  EXPECT_EQ(Get(first).status(), v1::COMMENT_STATUS_PENDING);

  review->Mark();
  ASSERT_TRUE(review->Type("r").ok());
  ASSERT_TRUE(review->WaitFor("Reject as:"));
  ASSERT_TRUE(review->Type("4").ok());
  ASSERT_TRUE(review->WaitFor(absl::StrCat("rejected (off-topic) ", first)));

  ASSERT_TRUE(review->Type("q").ok());
  ASSERT_EQ(review->Wait().value_or(-1), 0) << review->output();
  EXPECT_THAT(review->output(),
              HasSubstr("review ended: 1 approved, 2 rejected, 1 skipped, 1 undone"));

  EXPECT_EQ(Get(second).status(), v1::COMMENT_STATUS_REJECTED);
  EXPECT_EQ(Get(second).rejection_reason(), v1::REJECTION_REASON_SPAM);
  EXPECT_EQ(Get(first).rejection_reason(), v1::REJECTION_REASON_OFF_TOPIC);
  EXPECT_EQ(Get(first).decided_by(), "lan");
  EXPECT_EQ(Get(third).status(), v1::COMMENT_STATUS_PENDING);
  // Quitting gave back the comment on screen.
  EXPECT_EQ(Get(fourth).status(), v1::COMMENT_STATUS_PENDING);
  const auto queue = FromJson<v1::ListPendingResponse>(Modctl({"queue", "--output", "json"}).out);
  for (const v1::ModeratedComment& comment : queue.comments()) {
    EXPECT_EQ(comment.claimed_by(), "") << comment.comment_id();
  }
  // The trail of the comment decided, taken back and decided again.
  const auto trail = FromJson<v1::ListAuditLogResponse>(
      Modctl({"audit", "--comment", first, "--output", "json"}).out);
  ASSERT_EQ(trail.entries_size(), 3);
  EXPECT_EQ(trail.entries(0).action(), v1::AUDIT_ACTION_APPROVE);
  EXPECT_EQ(trail.entries(1).action(), v1::AUDIT_ACTION_UNDO);
  EXPECT_EQ(trail.entries(2).action(), v1::AUDIT_ACTION_REJECT);
}

TEST_F(ModctlReviewTest, TwoModeratorsReviewingAtOnceNeverSeeTheSameComment) {
  std::set<std::string> all;
  for (int i = 0; i < 8; ++i) {
    all.insert(Post("thoi-su-2", absl::StrCat("Bạn đọc ", i), "Ý kiến",
                    absl::StrCat("Ý kiến số ", i, " về bài viết."),
                    absl::StrCat("192.0.2.", i + 10), absl::StrCat("0977 000 ", 100 + i)));
  }
  std::unique_ptr<testing::PtyProcess> lan = ModctlInTerminal({"review", "--as", "lan"});
  std::unique_ptr<testing::PtyProcess> mai = ModctlInTerminal({"review", "--as", "mai"});
  ASSERT_TRUE(lan && mai);
  struct Reviewer {
    testing::PtyProcess* terminal;
    std::vector<std::string> seen;
    std::string current;
    bool done = false;
  };
  Reviewer lan_side{lan.get(), {}, "", false};
  Reviewer mai_side{mai.get(), {}, "", false};
  // Both approve whatever they are shown, turn about, until both run dry;
  // each holds the comment on their screen meanwhile.
  for (int round = 0; round < 20 && !(lan_side.done && mai_side.done); ++round) {
    for (Reviewer* reviewer : {&lan_side, &mai_side}) {
      if (reviewer->done) {
        continue;
      }
      ASSERT_TRUE(reviewer->terminal->WaitFor("[q]uit")) << reviewer->terminal->output();
      const std::string screen = reviewer->terminal->since_mark();
      if (absl::StrContains(screen, "Nothing to review")) {
        reviewer->done = true;
        reviewer->current.clear();
        continue;
      }
      reviewer->current = ShownId(screen);
      ASSERT_FALSE(reviewer->current.empty()) << screen;
      reviewer->seen.push_back(reviewer->current);
      if (!lan_side.current.empty() && !mai_side.current.empty()) {
        EXPECT_NE(lan_side.current, mai_side.current);
      }
      reviewer->terminal->Mark();
      ASSERT_TRUE(reviewer->terminal->Type("a").ok());
    }
  }
  for (auto* terminal : {lan.get(), mai.get()}) {
    ASSERT_TRUE(terminal->Type("q").ok());
    EXPECT_EQ(terminal->Wait().value_or(-1), 0);
  }
  const std::vector<std::string>& seen_by_lan = lan_side.seen;
  const std::vector<std::string>& seen_by_mai = mai_side.seen;
  std::set<std::string> lan_set(seen_by_lan.begin(), seen_by_lan.end());
  std::set<std::string> mai_set(seen_by_mai.begin(), seen_by_mai.end());
  std::vector<std::string> both;
  std::set_intersection(lan_set.begin(), lan_set.end(), mai_set.begin(), mai_set.end(),
                        std::back_inserter(both));
  EXPECT_TRUE(both.empty()) << "shown to both: " << (both.empty() ? "" : both.front());
  EXPECT_FALSE(lan_set.empty());
  EXPECT_FALSE(mai_set.empty());
  std::set<std::string> seen = lan_set;
  seen.insert(mai_set.begin(), mai_set.end());
  EXPECT_EQ(seen, all);
  // Every id that appears on a review screen of one appears on none of the other.
  std::set<std::string> on_screen_lan;
  std::set<std::string> on_screen_mai;
  for (const std::string& id : CommentIdsIn(lan->output())) {
    on_screen_lan.insert(id);
  }
  for (const std::string& id : CommentIdsIn(mai->output())) {
    on_screen_mai.insert(id);
  }
  for (const std::string& id : on_screen_lan) {
    EXPECT_EQ(on_screen_mai.count(id), 0u) << id;
  }
  // And each comment was decided once, by the one who saw it.
  const auto log = FromJson<v1::ListAuditLogResponse>(Modctl({"audit", "--output", "json"}).out);
  EXPECT_EQ(log.entries_size(), 8);
  for (const v1::AuditEntry& entry : log.entries()) {
    EXPECT_EQ(entry.moderator(), lan_set.count(entry.comment_id()) > 0 ? "lan" : "mai");
  }
}

TEST_F(ModctlReviewTest, BanFromTheReviewScreenRejectsTheAuthorsPendingComments) {
  const std::string ad1 = Post("a", "Bán hàng", "Mua ngay", "Hàng chính hãng, gọi 0912 999 888",
                               "198.51.100.50", "0912 999 888");
  const std::string ad2 = Post("b", "Bán hàng", "Mua ngay", "Giá tốt nhất, gọi 0912 999 888",
                               "198.51.100.50", "0912 999 888");
  const std::string fine = Post("a", "Hà", "Ý kiến", "Bài viết hay.", "192.0.2.77", "0966 000 111");
  std::unique_ptr<testing::PtyProcess> review = ModctlInTerminal({"review"});
  ASSERT_TRUE(review->WaitFor("[q]uit"));
  EXPECT_EQ(ShownId(review->output()), ad1);
  review->Mark();
  ASSERT_TRUE(review->Type("b").ok());
  ASSERT_TRUE(review->WaitFor("Ban the author"));
  ASSERT_TRUE(review->Type("2").ok());
  ASSERT_TRUE(review->WaitFor("banned the author; rejected 2 pending comments"))
      << review->since_mark();
  EXPECT_EQ(NextShown(*review, ad1), fine);
  ASSERT_TRUE(review->Type("q").ok());
  EXPECT_EQ(review->Wait().value_or(-1), 0);
  EXPECT_EQ(Get(ad2).status(), v1::COMMENT_STATUS_REJECTED);
  EXPECT_EQ(Get(ad2).rejection_reason(), v1::REJECTION_REASON_ADVERTISING);
  EXPECT_EQ(Get(fine).status(), v1::COMMENT_STATUS_PENDING);
}

// The queue and the review screen with Vietnamese comments, as a moderator
// sees them in a 100-column terminal. With MODCTL_SCREENS_DIR set, they are
// also written there (docs/calling.md shows them).
TEST_F(ModctlReviewTest, ScreensShowVietnameseTextWhole) {
  Post("thoi-su-1", "Nguyễn Thị Hoa", "Đường liên xã xuống cấp",
       "Con đường liên xã qua thôn tôi đã hỏng nặng sau mùa mưa lũ, xe máy đi lại rất nguy "
       "hiểm. Mong chính quyền sớm sửa chữa.",
       "203.0.113.77", "0903 123 456");
  const std::string advert =
      Post("kinh-te-12", "Trần Văn Nam", "Cần bán đất",
           "Cần bán lô đất mặt tiền, liên hệ 0912 345 678.", "198.51.100.23", "0912 345 678");
  Post("the-thao-7", "Lê Minh Đức", "Chúc mừng đội tuyển",
       "Chúc mừng đội tuyển Việt Nam, các cầu thủ đã thi đấu rất nỗ lực!", "192.0.2.15",
       "0977 222 333");
  const Run earlier = Modctl({"reject", advert, "--reason", "advertising"});
  ASSERT_EQ(earlier.exit_code, 0);
  const std::string again = Post("kinh-te-12", "Trần Văn Nam", "Bán đất giá rẻ",
                                 "Đất nền giá rẻ, sổ đỏ chính chủ, gọi ngay 0912 345 678.",
                                 "198.51.100.23", "0912 345 678");

  const Run queue = Modctl({"queue"}, {{"COLUMNS", "100"}});
  ASSERT_EQ(queue.exit_code, 0);
  EXPECT_THAT(queue.out, HasSubstr("Nguyễn Thị Hoa"));
  EXPECT_THAT(queue.out, HasSubstr("Lê Minh Đức"));

  std::unique_ptr<testing::PtyProcess> review =
      ModctlInTerminal({"review", "--as", "lan"}, {}, 100);
  ASSERT_TRUE(review->WaitFor("[q]uit"));
  EXPECT_EQ(ShownId(review->output()), again);
  EXPECT_THAT(review->output(), HasSubstr("Đất nền giá rẻ, sổ đỏ chính chủ"));
  EXPECT_THAT(review->output(),
              HasSubstr("Same phone: 1 other: 0 pending, 0 approved, 1 rejected"));
  ASSERT_TRUE(review->Type("q").ok());
  EXPECT_EQ(review->Wait().value_or(-1), 0);

  if (const char* dir = std::getenv("MODCTL_SCREENS_DIR"); dir != nullptr) {
    std::ofstream(std::string(dir) + "/queue.txt") << queue.out;
    std::string screen = review->output();
    screen = screen.substr(0, screen.find("\nreview ended"));
    std::string plain;
    for (std::size_t i = 0; i < screen.size(); ++i) {
      if (screen[i] == '\x1b') {
        i = screen.find_first_of("HJm", i);
        continue;
      }
      if (screen[i] != '\r') {
        plain.push_back(screen[i]);
      }
    }
    std::ofstream(std::string(dir) + "/review.txt") << plain;
  }
}

TEST_F(ModctlReviewTest, AnEmptyQueueSaysSoAndQuitsCleanly) {
  std::unique_ptr<testing::PtyProcess> review = ModctlInTerminal({"review"});
  ASSERT_TRUE(review->WaitFor("Nothing to review")) << review->output();
  ASSERT_TRUE(review->Type("\x03").ok());  // Ctrl-C is a key here
  EXPECT_EQ(review->Wait().value_or(-1), 0);
  EXPECT_THAT(review->output(), HasSubstr("review ended"));
}

}  // namespace
}  // namespace moderation::e2e
