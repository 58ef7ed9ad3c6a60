#include "client/modctl/output.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "client/modctl/commands.h"
#include "client/modctl/display_text.h"

namespace moderation::modctl {
namespace {

v1::ListPendingResponse Queue() {
  v1::ListPendingResponse page;
  const absl::Time now = absl::FromUnixSeconds(1790000000);
  for (int i = 0; i < 3; ++i) {
    v1::ModeratedComment* comment = page.add_comments();
    comment->set_comment_id("01JDQ3M5X4ABCDEFGHJKMNPQR" + std::to_string(i));
    comment->set_article_id(i == 0 ? "thoi-su-chinh-tri-trong-nuoc-2024-11" : "kinh-te-12");
    comment->set_name(i == 1 ? "Nguyễn Thị Phương Thảo" : "Lê Văn Cường");
    comment->set_title("Ý kiến về giá điện");
    comment->set_body(
        "Giá điện tăng liên tục trong khi chất lượng dịch vụ chưa cải thiện.\nĐề nghị công khai "
        "chi phí sản xuất, truyền tải và phân phối.");
    comment->mutable_create_time()->set_seconds(absl::ToUnixSeconds(now - absl::Minutes(5 + i)));
    if (i == 0) {
      comment->set_flagged(true);
      comment->set_spam_score(7.5);
      v1::SpamSignal* signal = comment->add_spam_signals();
      signal->set_rule("contact");
      signal->set_score(4);
      v1::SpamSignal* shadow = comment->add_spam_signals();
      shadow->set_rule("shouting");
      shadow->set_shadow(true);
      comment->set_claimed_by("lan");
    }
  }
  page.set_total_pending(12);
  page.set_next_page_token("101JDQ3M5X4ABCDEFGHJKMNPQR2");
  return page;
}

TEST(RenderQueueTest, EveryLineFitsTheTerminalCountedInColumns) {
  const absl::Time now = absl::FromUnixSeconds(1790000000);
  for (const std::size_t width : {60u, 80u, 120u, 200u}) {
    const std::string table = RenderQueue(Queue(), width, now, Style(false));
    for (absl::string_view line : absl::StrSplit(table, '\n', absl::SkipEmpty())) {
      EXPECT_LE(DisplayWidth(line), width) << line;
    }
    EXPECT_TRUE(absl::StrContains(table, "…")) << table;
    EXPECT_TRUE(absl::StrContains(table, "3 shown, 12 pending in all"));
    EXPECT_TRUE(absl::StrContains(table, "next page token: 101JDQ3M5X4ABCDEFGHJKMNPQR2"));
  }
  const std::string wide = RenderQueue(Queue(), 200, now, Style(false));
  EXPECT_TRUE(absl::StrContains(wide, "Nguyễn Thị Phương Thảo"));
  EXPECT_TRUE(absl::StrContains(wide, "!7.5"));
  EXPECT_TRUE(absl::StrContains(wide, "REVIEWER"));
  EXPECT_TRUE(absl::StrContains(wide, "contact"));
  EXPECT_FALSE(absl::StrContains(wide, "shouting"));  // shadow rules did not count
  EXPECT_TRUE(absl::StrContains(wide, "Ý kiến về giá điện — Giá điện tăng"));
  EXPECT_TRUE(absl::StrContains(wide, " 5m "));
}

TEST(RenderQueueTest, ColoursGoOnAfterLayout) {
  const absl::Time now = absl::FromUnixSeconds(1790000000);
  const std::string plain = RenderQueue(Queue(), 100, now, Style(false));
  const std::string coloured = RenderQueue(Queue(), 100, now, Style(true));
  EXPECT_FALSE(absl::StrContains(plain, "\x1b["));
  EXPECT_TRUE(absl::StrContains(coloured, "\x1b[31m!7.5"));
  // The same text once the escapes are gone.
  std::string stripped;
  for (std::size_t i = 0; i < coloured.size(); ++i) {
    if (coloured[i] == '\x1b') {
      i = coloured.find('m', i);
      continue;
    }
    stripped.push_back(coloured[i]);
  }
  EXPECT_EQ(stripped, plain);
}

TEST(ShortAgeTest, PicksOneUnit) {
  EXPECT_EQ(ShortAge(absl::Seconds(45)), "45s");
  EXPECT_EQ(ShortAge(absl::Minutes(12)), "12m");
  EXPECT_EQ(ShortAge(absl::Hours(3)), "3h");
  EXPECT_EQ(ShortAge(absl::Hours(24 * 5)), "5d");
  EXPECT_EQ(ShortAge(-absl::Seconds(3)), "0s");
}

TEST(WrapTextTest, WrapsAtSpacesByColumnsAndCutsLongWords) {
  const std::string wrapped = WrapText("Bài viết phản ánh đúng thực tế ở địa phương tôi", 20);
  for (absl::string_view line : absl::StrSplit(wrapped, '\n', absl::SkipEmpty())) {
    EXPECT_LE(DisplayWidth(line), 20u) << line;
  }
  EXPECT_EQ(wrapped, "Bài viết phản ánh\nđúng thực tế ở địa\nphương tôi\n");
  EXPECT_EQ(WrapText("một\nhai", 20), "một\nhai\n");
  const std::string url =
      WrapText("xem https://example.com/mot-duong-dan-rat-dai-khong-co-cach", 20);
  for (absl::string_view line : absl::StrSplit(url, '\n', absl::SkipEmpty())) {
    EXPECT_LE(DisplayWidth(line), 20u) << line;
  }
}

TEST(ParseAgeTest, AcceptsUnitsAndSums) {
  EXPECT_EQ(*ParseAge("90s"), absl::Seconds(90));
  EXPECT_EQ(*ParseAge("30m"), absl::Minutes(30));
  EXPECT_EQ(*ParseAge("1h30m"), absl::Minutes(90));
  EXPECT_EQ(*ParseAge("2d"), absl::Hours(48));
  EXPECT_EQ(*ParseAge("1w"), absl::Hours(24 * 7));
  for (const char* bad : {"", "soon", "10", "h", "5x", "-3m", "1.5h"}) {
    EXPECT_FALSE(ParseAge(bad).ok()) << bad;
  }
}

TEST(RenderVerificationTest, NamesTheEntryWhereTheChainBreaks) {
  v1::VerifyAuditLogResponse ok;
  ok.set_intact(true);
  ok.set_entries_checked(3);
  ok.set_head_sequence(3);
  EXPECT_EQ(RenderVerification(ok, Style(false)),
            "OK: the audit chain is intact (3 entries checked, head at sequence 3)\n");
  v1::VerifyAuditLogResponse broken;
  broken.set_broken_entry_id("1790000000000-0");
  broken.set_broken_sequence(2);
  broken.set_problem(v1::AUDIT_PROBLEM_ALTERED);
  EXPECT_TRUE(absl::StartsWith(RenderVerification(broken, Style(false)),
                               "BROKEN: the audit chain breaks at entry 1790000000000-0 "
                               "(sequence 2): its HMAC does not match its fields"));
}

TEST(RenderAuditTableTest, ShowsRetentionsErasuresAndExpiries) {
  std::vector<v1::AuditEntry> entries(2);
  entries[0].set_sequence(7);
  entries[0].set_moderator("system:retention");
  entries[0].set_action(v1::AUDIT_ACTION_ERASE);
  entries[0].set_comment_id("01JDQ3M5X4ABCDEFGHJKMNPQR0");
  entries[0].set_note("personal data kept 90 days after the decision");
  entries[1].set_sequence(8);
  entries[1].set_moderator("system:retention");
  entries[1].set_action(v1::AUDIT_ACTION_EXPIRE);
  entries[1].set_comment_id("01JDQ3M5X4ABCDEFGHJKMNPQR1");
  const std::string table = RenderAuditTable(entries, absl::UTCTimeZone());
  EXPECT_TRUE(absl::StrContains(table, "erase")) << table;
  EXPECT_TRUE(absl::StrContains(table, "expire")) << table;
  EXPECT_TRUE(absl::StrContains(table, "system:retention")) << table;
  EXPECT_TRUE(absl::StrContains(table, "personal data erased by retention")) << table;
  EXPECT_TRUE(absl::StrContains(table, "removed by retention")) << table;
  EXPECT_EQ(AuditActionName(v1::AUDIT_ACTION_ERASE), "erase");
  EXPECT_EQ(AuditActionName(v1::AUDIT_ACTION_EXPIRE), "expire");
}

TEST(RenderStatsTest, SaysWhatRetentionRemovedApartFromTheDecisions) {
  v1::GetStatsResponse stats;
  stats.mutable_period_start()->set_seconds(1790000000);
  stats.mutable_period_end()->set_seconds(1790086400);
  stats.set_retention_erased(3);
  stats.set_retention_expired(1);
  const std::string text = RenderStats(stats, absl::UTCTimeZone());
  EXPECT_TRUE(absl::StrContains(text,
                                "Retention: personal data of 3 decided comments erased, 1 pending "
                                "comment removed for their age\n"))
      << text;
  absl::StatusOr<std::string> json = ToJson(stats);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_TRUE(absl::StrContains(*json, "\"retention_erased\":\"3\"")) << *json;
  EXPECT_TRUE(absl::StrContains(*json, "\"retention_expired\":\"1\"")) << *json;
}

}  // namespace
}  // namespace moderation::modctl
