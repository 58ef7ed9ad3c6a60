#include "client/modctl/command_line.h"

#include <gtest/gtest.h>

#include <string>

namespace moderation::modctl {
namespace {

// Parses `arguments` (without the program name) as modctl would, with `file`
// as the configuration file's settings.
class CommandLineTest : public ::testing::Test {
 protected:
  void Parse(const std::string& arguments, const FileSettings& file = {}) {
    line_ = std::make_unique<CommandLine>(file);
    line_->app.parse(arguments, /*program_name_included=*/false);
  }

  std::unique_ptr<CommandLine> line_;
};

TEST_F(CommandLineTest, GlobalSettingsComeFromTheFileUnlessTheCommandLineSaysOtherwise) {
  FileSettings file;
  file.server = "moderation.example.internal:50051";
  file.output = "json";
  file.timeout = 3;
  Parse("queue", file);
  EXPECT_EQ(line_->server, "moderation.example.internal:50051");
  EXPECT_EQ(line_->output, "json");
  EXPECT_EQ(line_->timeout_seconds, 3);

  Parse("queue --server 10.0.0.5:50051 --output table", file);
  EXPECT_EQ(line_->server, "10.0.0.5:50051");
  EXPECT_EQ(line_->output, "table");
}

TEST_F(CommandLineTest, WithoutAFileTheDefaultsAreALocalServerAndATable) {
  Parse("bans");
  EXPECT_EQ(line_->server, "127.0.0.1:50051");
  EXPECT_EQ(line_->output, "table");
  EXPECT_TRUE(line_->bans->parsed());
  EXPECT_FALSE(line_->queue->parsed());
}

TEST_F(CommandLineTest, GlobalOptionsMayFollowTheCommand) {
  Parse("queue --flagged --article thoi-su-1 --min-score 4 --output json --all");
  EXPECT_TRUE(line_->queue->parsed());
  EXPECT_TRUE(line_->list_options.filter.flagged);
  EXPECT_EQ(line_->list_options.filter.article, "thoi-su-1");
  EXPECT_EQ(line_->list_options.filter.min_score, 4);
  EXPECT_TRUE(line_->list_options.all);
  EXPECT_EQ(line_->output, "json");
}

TEST_F(CommandLineTest, ListIsAnAliasOfQueue) {
  Parse("list --page-size 5");
  EXPECT_TRUE(line_->queue->parsed());
  EXPECT_EQ(line_->list_options.page_size, 5);
}

TEST_F(CommandLineTest, ARejectionNeedsAKnownReason) {
  EXPECT_THROW(Parse("reject 01JD0000000000000000000001 --reason rude"), CLI::ValidationError);
  EXPECT_THROW(Parse("reject 01JD0000000000000000000001"), CLI::RequiredError);
  Parse("reject 01JD0000000000000000000001 01JD0000000000000000000002 --reason off-topic");
  EXPECT_EQ(line_->reject_options.comment_ids.size(), 2u);
  EXPECT_EQ(line_->reject_options.reason, "off-topic");
}

TEST_F(CommandLineTest, UnknownOptionsAndOutputFormatsAreUsageErrors) {
  EXPECT_THROW(Parse("queue --colour"), CLI::ParseError);
  EXPECT_THROW(Parse("queue --output yaml"), CLI::ValidationError);
  EXPECT_THROW(Parse(""), CLI::ParseError);  // a command is required
}

TEST_F(CommandLineTest, BanTakesItsTargetReasonAndDuration) {
  Parse("ban --prefix 203.0.113.0/24 --reason \"spam bot\" --hours 24");
  EXPECT_TRUE(line_->ban->parsed());
  EXPECT_EQ(line_->ban_options.ip_prefix, "203.0.113.0/24");
  EXPECT_EQ(line_->ban_options.reason, "spam bot");
  EXPECT_EQ(line_->ban_hours, 24);
  EXPECT_THROW(Parse("ban --phone 0912345678"), CLI::RequiredError);
}

}  // namespace
}  // namespace moderation::modctl
