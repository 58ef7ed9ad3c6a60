// Runs the spam-eval binary as a user would, on the shared evaluation data when it is there.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace moderation::spam_eval {
namespace {

struct CommandRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

std::string Quoted(const std::string& argument) {
  std::string quoted = "'";
  for (const char c : argument) {
    if (c == '\'') {
      quoted.append("'\\''");
    } else {
      quoted.push_back(c);
    }
  }
  quoted.push_back('\'');
  return quoted;
}

CommandRun SpamEval(const std::vector<std::string>& arguments) {
  std::string command = Quoted(SPAM_EVAL_BINARY);
  for (const std::string& argument : arguments) {
    command.push_back(' ');
    command.append(Quoted(argument));
  }
  command += " 2>&1";
  CommandRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    return run;
  }
  char buffer[4096];
  while (const std::size_t n = fread(buffer, 1, sizeof buffer, pipe)) {
    run.output.append(buffer, n);
  }
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

// The value of "key" in spam-eval's one-line JSON.
double JsonNumber(const std::string& json, const std::string& key) {
  const std::size_t at = json.find("\"" + key + "\": ");
  if (at == std::string::npos) {
    ADD_FAILURE() << "no " << key << " in " << json;
    return -1;
  }
  return std::strtod(json.c_str() + at + key.size() + 4, nullptr);
}

std::string DataDir() {
  if (const char* dir = std::getenv("MODERATION_SHARED_DATA")) {
    return dir;
  }
  return MODERATION_SHARED_DATA_DIR;
}

TEST(SpamEvalTest, BeatsTheBaselineOnTheYouTubeSplit) {
  const std::string dir = DataDir() + "/youtube-spam";
  if (!std::filesystem::exists(dir + "/Youtube03-LMFAO.csv")) {
    GTEST_SKIP() << "no evaluation data in " << dir;
  }
  const CommandRun run =
      SpamEval({"--train", dir + "/Youtube01-Psy.csv," + dir + "/Youtube02-KatyPerry.csv", "--test",
                dir + "/Youtube03-LMFAO.csv", "--text-column", "CONTENT", "--label-column", "CLASS",
                "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(JsonNumber(run.output, "n_test"), 438);
  // TF-IDF word 1-2-grams + char 2-5-grams with a linear SVM: F1 0.929, ham FPR 0.030.
  EXPECT_GT(JsonNumber(run.output, "f1"), 0.929) << run.output;
  EXPECT_LE(JsonNumber(run.output, "ham_fpr"), 0.030) << run.output;
}

TEST(SpamEvalTest, BeatsTheBaselineOnTheSmsSplit) {
  const std::string file = DataDir() + "/sms-spam/sms_shared.tsv";
  if (!std::filesystem::exists(file)) {
    GTEST_SKIP() << "no evaluation data at " << file;
  }
  const CommandRun run =
      SpamEval({"--train", file, "--format", "tsv", "--no-header", "--text-column", "2",
                "--label-column", "1", "--spam-label", "spam", "--split", "0.8", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(JsonNumber(run.output, "n_test"), 892);
  // Baseline: F1 0.972 with one ham message of 782 flagged.
  EXPECT_GT(JsonNumber(run.output, "f1"), 0.972) << run.output;
  EXPECT_LE(JsonNumber(run.output, "false_spam"), 1) << run.output;
}

class SpamEvalUsageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "spam_eval_test.XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    good_ = dir_ + "/good.csv";
    FILE* file = fopen(good_.c_str(), "w");
    ASSERT_NE(file, nullptr);
    fputs("text,label\n\"buy now, cheap\",1\nnice article,0\nfree prize,1\nthanks,0\n", file);
    fclose(file);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
  std::string good_;
};

TEST_F(SpamEvalUsageTest, SmallFilesWork) {
  const CommandRun run = SpamEval({"--train", good_, "--test", good_, "--text-column", "text",
                                   "--label-column", "label", "--predictions", dir_ + "/p.csv"});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/p.csv"));
}

TEST_F(SpamEvalUsageTest, MissingFileExitsWithTwo) {
  const CommandRun run = SpamEval({"--train", dir_ + "/missing.csv", "--test", good_,
                                   "--text-column", "text", "--label-column", "label"});
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find("missing.csv"), std::string::npos) << run.output;
}

TEST_F(SpamEvalUsageTest, UnknownColumnExitsWithTwo) {
  const CommandRun run = SpamEval(
      {"--train", good_, "--test", good_, "--text-column", "CONTENT", "--label-column", "label"});
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find("CONTENT"), std::string::npos) << run.output;
}

TEST_F(SpamEvalUsageTest, MalformedCsvExitsWithTwo) {
  const std::string bad = dir_ + "/bad.csv";
  FILE* file = fopen(bad.c_str(), "w");
  ASSERT_NE(file, nullptr);
  fputs("text,label\n\"never closed,1\n", file);
  fclose(file);
  const CommandRun run = SpamEval(
      {"--train", good_, "--test", bad, "--text-column", "text", "--label-column", "label"});
  EXPECT_EQ(run.exit_code, 2) << run.output;
}

TEST_F(SpamEvalUsageTest, BadOptionsExitWithTwo) {
  EXPECT_EQ(SpamEval({"--train", good_}).exit_code, 2);
  EXPECT_EQ(SpamEval({"--train", good_, "--test", good_, "--text-column", "text", "--label-column",
                      "label", "--threshold", "7"})
                .exit_code,
            2);
  EXPECT_EQ(SpamEval({"--help"}).exit_code, 0);
}

TEST_F(SpamEvalUsageTest, SingleClassTrainingDataExitsWithTwo) {
  const CommandRun run = SpamEval({"--train", good_, "--test", good_, "--text-column", "text",
                                   "--label-column", "label", "--spam-label", "spam"});
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find("--spam-label"), std::string::npos) << run.output;
}

}  // namespace
}  // namespace moderation::spam_eval
