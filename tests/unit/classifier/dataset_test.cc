#include "tools/spam_eval/dataset.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace moderation::spam_eval {
namespace {

class DatasetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "dataset_test.XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& contents) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << contents;
    return path;
  }

  std::string dir_;
};

TEST_F(DatasetTest, ReadsColumnsByHeaderName) {
  const std::string path = Write("a.csv", "ID,CONTENT,CLASS\nx,\"buy, now\",1\ny,nice song,0\n");
  const absl::StatusOr<std::vector<LabelledText>> rows =
      LoadLabelledTexts(path, {.format = TableFormat::kCsv,
                               .has_header = true,
                               .text_column = "CONTENT",
                               .label_column = "CLASS",
                               .spam_label = "1"});
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].text, "buy, now");
  EXPECT_TRUE((*rows)[0].is_spam);
  EXPECT_FALSE((*rows)[1].is_spam);
}

TEST_F(DatasetTest, ReadsHeaderlessTsvByColumnNumber) {
  const std::string path = Write("sms.tsv", "ham\thello\nspam\tWIN a prize\n");
  const absl::StatusOr<std::vector<LabelledText>> rows =
      LoadLabelledTexts(path, {.format = TableFormat::kTsv,
                               .has_header = false,
                               .text_column = "2",
                               .label_column = "1",
                               .spam_label = "spam"});
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[1].text, "WIN a prize");
  EXPECT_TRUE((*rows)[1].is_spam);
}

TEST_F(DatasetTest, NamesTheKnownColumnsWhenOneIsMissing) {
  const std::string path = Write("a.csv", "Comment,Label\nx,1\n");
  const absl::StatusOr<std::vector<LabelledText>> rows =
      LoadLabelledTexts(path, {.format = TableFormat::kCsv,
                               .has_header = true,
                               .text_column = "Text",
                               .label_column = "Label",
                               .spam_label = "1"});
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(rows.status().message().find("Comment, Label"), std::string::npos) << rows.status();
}

TEST_F(DatasetTest, RefusesARowShorterThanTheColumns) {
  const std::string path = Write("a.csv", "a,b,c\n1,2,3\n4,5\n");
  const absl::StatusOr<std::vector<LabelledText>> rows =
      LoadLabelledTexts(path, {.format = TableFormat::kCsv,
                               .has_header = true,
                               .text_column = "a",
                               .label_column = "c",
                               .spam_label = "1"});
  ASSERT_FALSE(rows.ok());
  EXPECT_NE(rows.status().message().find("row 3"), std::string::npos) << rows.status();
}

TEST_F(DatasetTest, ReportsAMissingFile) {
  const absl::StatusOr<std::vector<LabelledText>> rows =
      LoadLabelledTexts(dir_ + "/nope.csv", {.format = TableFormat::kCsv,
                                             .has_header = true,
                                             .text_column = "a",
                                             .label_column = "b",
                                             .spam_label = "1"});
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(DatasetTest, RefusesADirectory) {
  const absl::StatusOr<std::vector<LabelledText>> rows =
      LoadLabelledTexts(dir_, {.format = TableFormat::kCsv,
                               .has_header = true,
                               .text_column = "a",
                               .label_column = "b",
                               .spam_label = "1"});
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace moderation::spam_eval
