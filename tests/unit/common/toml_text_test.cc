#include "service/common/toml_text.h"

#include <gtest/gtest.h>

namespace moderation {
namespace {

std::string Problem(absl::string_view text) {
  const absl::Status status = CheckTomlText(text, "f.toml");
  return status.ok() ? "ok" : std::string(status.message());
}

TEST(TomlTextTest, AcceptsVietnameseInStringsAndComments) {
  EXPECT_EQ(Problem("# Quy tắc chống spam\n[suspect_words]\nwords = [\"vay tiền\", 'cá độ']\n"),
            "ok");
  EXPECT_EQ(Problem("a = \"\"\"nhiều\ndòng \\\" vẫn trong chuỗi\"\"\"\nb = '''đ\n'''\n"), "ok");
  EXPECT_EQ(Problem("\"khóa có dấu cách\" = 1\nx = { \"k\" = \"giá trị\" }\n[\"a\".\"bảng\"]\n"),
            "ok");
  EXPECT_EQ(Problem("s = \"escaped \\\\\" # bình luận sau chuỗi\n"), "ok");
}

TEST(TomlTextTest, RefusesNonAsciiOutsideStringsAndComments) {
  EXPECT_EQ(Problem("[ngưỡng]\n"),
            "f.toml:1: a character beyond ASCII outside a string or comment");
  EXPECT_EQ(Problem("a = 1\nđiểm = 2\n"),
            "f.toml:2: a character beyond ASCII outside a string or comment");
  // A string closed by its line's end does not carry on to the next line.
  EXPECT_EQ(Problem("a = \"open\nb = ư\n"),
            "f.toml:2: a character beyond ASCII outside a string or comment");
}

TEST(TomlTextTest, RefusesQuotesWhereNoStringCanStartControlsAndBadUtf8) {
  EXPECT_EQ(Problem("flag = 4 \"đ\"\n"), "f.toml:1: a quote where no string can start");
  EXPECT_EQ(Problem("a = 1\0b = 2"), "ok");  // the view stops at the NUL
  EXPECT_EQ(Problem(absl::string_view("a = 1\0b", 7)), "f.toml:1: a control character");
  EXPECT_EQ(Problem("a = \"\xC3\x28\"\n"), "f.toml:1: not valid UTF-8");
  EXPECT_EQ(Problem("a = \"\xED\xA0\x80\"\n"), "f.toml:1: not valid UTF-8");  // a surrogate
}

TEST(TomlTextTest, SkeletonKeepsLinesAndAsciiOnly) {
  EXPECT_EQ(AsciiSkeleton("a = \"đẹp\"\n# ư\n"), "a = \"xxp\"\n# x\n");
  EXPECT_EQ(AsciiSkeleton("\xFF"), "x");
}

TEST(TomlTextTest, ParsesVietnameseValuesAndNamesTheLineOfAnError) {
  absl::StatusOr<toml::table> table =
      ParseTomlText("[suspect_words]\nwords = [\"vay tiền\", 'cá độ']\n", "rules.toml");
  ASSERT_TRUE(table.ok()) << table.status();
  const toml::array* words = (*table)["suspect_words"]["words"].as_array();
  ASSERT_NE(words, nullptr);
  ASSERT_EQ(words->size(), 2u);
  EXPECT_EQ(words->get(1)->value<std::string>().value_or(""), "cá độ");

  absl::StatusOr<toml::table> broken = ParseTomlText("a = 1\nb = [1, \n", "rules.toml");
  ASSERT_EQ(broken.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(broken.status().message().substr(0, 11), "rules.toml:");
  // Refused before the parser sees it, as CheckTomlText says.
  EXPECT_EQ(ParseTomlText("[ngưỡng]\n", "f.toml").status().message(),
            "f.toml:1: a character beyond ASCII outside a string or comment");
}

}  // namespace
}  // namespace moderation
