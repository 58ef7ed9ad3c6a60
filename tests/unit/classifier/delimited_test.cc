#include "tools/spam_eval/delimited.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace moderation::spam_eval {
namespace {

std::vector<Row> Csv(const std::string& data) {
  absl::StatusOr<std::vector<Row>> rows = ParseTable(data, TableFormat::kCsv);
  EXPECT_TRUE(rows.ok()) << rows.status();
  return rows.ok() ? *rows : std::vector<Row>{};
}

TEST(CsvTest, SplitsPlainFieldsAndRows) {
  EXPECT_EQ(Csv("a,b,c\n1,2,3\n"), (std::vector<Row>{{"a", "b", "c"}, {"1", "2", "3"}}));
}

TEST(CsvTest, KeepsCommasAndLineBreaksInsideQuotes) {
  EXPECT_EQ(Csv("id,text\n1,\"hello, world\nsecond line\"\n2,x\n"),
            (std::vector<Row>{{"id", "text"}, {"1", "hello, world\nsecond line"}, {"2", "x"}}));
}

TEST(CsvTest, UndoublesEscapedQuotes) {
  EXPECT_EQ(Csv("\"she said \"\"hi\"\"\",\"\"\"\"\n"),
            (std::vector<Row>{{"she said \"hi\"", "\""}}));
}

TEST(CsvTest, AcceptsCrlfLineEndsAndKeepsCrlfInsideQuotes) {
  EXPECT_EQ(Csv("a,b\r\n\"x\r\ny\",2\r\n"), (std::vector<Row>{{"a", "b"}, {"x\r\ny", "2"}}));
}

TEST(CsvTest, KeepsEmptyFieldsAndToleratesAMissingFinalLineBreak) {
  EXPECT_EQ(Csv("a,,\"\"\n,b"), (std::vector<Row>{{"a", "", ""}, {"", "b"}}));
}

TEST(CsvTest, SkipsBlankLines) { EXPECT_EQ(Csv("a\n\n\nb\n"), (std::vector<Row>{{"a"}, {"b"}})); }

TEST(CsvTest, TreatsAQuoteInsideAnUnquotedFieldAsText) {
  EXPECT_EQ(Csv("5 \"inch\" screen,1\n"), (std::vector<Row>{{"5 \"inch\" screen", "1"}}));
}

TEST(CsvTest, RefusesAnUnterminatedQuoteNamingItsLine) {
  const absl::StatusOr<std::vector<Row>> rows =
      ParseTable("a,b\n1,\"never closed\n2,3\n", TableFormat::kCsv);
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(rows.status().message().find("line 2"), std::string::npos) << rows.status();
}

TEST(CsvTest, RefusesTextAfterAClosingQuote) {
  const absl::StatusOr<std::vector<Row>> rows = ParseTable("\"a\"b,c\n", TableFormat::kCsv);
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(TsvTest, SplitsOnTabsAndTakesQuotesLiterally) {
  const absl::StatusOr<std::vector<Row>> rows =
      ParseTable("ham\tsay \"hi\", ok\r\nspam\tWIN \"now\n", TableFormat::kTsv);
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(*rows, (std::vector<Row>{{"ham", "say \"hi\", ok"}, {"spam", "WIN \"now"}}));
}

TEST(CsvFieldTest, QuotesOnlyWhenNeededAndRoundTrips) {
  EXPECT_EQ(CsvField("plain"), "plain");
  const std::string awkward = "a, \"b\"\nc";
  EXPECT_EQ(CsvField(awkward), "\"a, \"\"b\"\"\nc\"");
  EXPECT_EQ(Csv(CsvField(awkward) + "," + CsvField("x") + "\n"),
            (std::vector<Row>{{awkward, "x"}}));
}

}  // namespace
}  // namespace moderation::spam_eval
