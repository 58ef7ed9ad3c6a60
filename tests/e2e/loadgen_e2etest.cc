// The load generator against the real server: its figures are only worth
// something if what it counts is what happened, so these tests compare its
// report with the server's answers and with what Redis holds afterwards.

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tests/e2e/e2e_fixture.h"

namespace moderation::e2e {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

class LoadgenTest : public EndToEndTest {
 protected:
  void SetUp() override {
    EndToEndTest::SetUp();
    // As tests/load/bench_lib.sh runs it: the shipped spam rules, every
    // limit on (a burst of 60 stays under the global ones).
    RestartServerWith({{"MODERATION_SPAM_RULES_FILE",
                        std::string(MODERATION_SOURCE_DIR) + "/deploy/spam-rules.toml"},
                       {"MODERATION_RATELIMIT_ENABLED", "1"}});
  }

  // Runs moderation-loadgen with `args` after --target and --json; returns
  // its exit code and fills `report` from the JSON it wrote.
  int RunLoadgen(const std::vector<std::string>& args, Struct* report, std::string* table) {
    const std::string json_path = redis_->data_dir() + "/loadgen.json";
    std::vector<std::string> argv = {MODERATION_LOADGEN_BINARY, "--target", address_, "--json",
                                     json_path};
    argv.insert(argv.end(), args.begin(), args.end());
    absl::StatusOr<testing::CommandResult> result =
        testing::RunCommand(argv, {}, redis_->data_dir() + "/loadgen.stderr");
    EXPECT_TRUE(result.ok()) << result.status();
    if (!result.ok()) {
      return -1;
    }
    *table = result->output;
    std::ifstream file(json_path);
    std::stringstream json;
    json << file.rdbuf();
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json.str(), report).ok()) << json.str();
    return result->exit_code;
  }

  int64_t PendingComments() {
    absl::StatusOr<std::string> count = redis_->Cli({"ZCARD", "mod:{c}:pending"});
    int64_t value = -1;
    EXPECT_TRUE(count.ok() && absl::SimpleAtoi(*count, &value)) << count.status();
    return value;
  }
};

const Value& Field(const Struct& object, const std::string& name) {
  static const Value missing;
  auto it = object.fields().find(name);
  EXPECT_NE(it, object.fields().end()) << "no field " << name;
  return it == object.fields().end() ? missing : it->second;
}

TEST_F(LoadgenTest, EveryKindOfSubmissionIsAnsweredAsItShouldAndCountedTruthfully) {
  Struct report;
  std::string table;
  const int exit_code = RunLoadgen(
      {"--phases", "health,submit", "--count", "60", "--warmup", "0", "--concurrency", "4",
       "--channels", "2", "--mix", "valid=6,wrong_captcha=1,spam=1,rate_limited=1,invalid=1",
       "--server-pid", absl::StrCat(server_->pid())},
      &report, &table);
  ASSERT_EQ(exit_code, 0) << table;

  const auto& phases = Field(report, "phases").list_value().values();
  ASSERT_EQ(phases.size(), 2);
  int64_t valid_as_expected = 0;
  for (const Value& phase : phases) {
    const Struct& fields = phase.struct_value();
    for (const Value& row : Field(fields, "calls").list_value().values()) {
      const Struct& call = row.struct_value();
      const std::string name = Field(call, "call").string_value();
      // Each kind got the answer it was built for, every time.
      EXPECT_EQ(Field(call, "as_expected").number_value(), Field(call, "calls").number_value())
          << name << ": " << table;
      if (name == "valid") {
        valid_as_expected = static_cast<int64_t>(Field(call, "as_expected").number_value());
      }
    }
    // The server's own figures, read from /proc (CPU time in clock ticks,
    // which so few calls may not fill).
    const Struct& server =
        Field(Field(fields, "processes").struct_value(), "server").struct_value();
    EXPECT_GE(Field(server, "cpu_seconds").number_value(), 0);
    EXPECT_GT(Field(server, "rss_bytes").number_value(), 1 << 20);
    EXPECT_GE(Field(server, "peak_rss_bytes").number_value(),
              Field(server, "rss_bytes").number_value());
  }
  EXPECT_GT(valid_as_expected, 0);
  // The comments it says were queued are in the queue, no more, no fewer
  // (the rate limited address's preparation queued a few of its own first).
  const double hot =
      Field(Field(report, "preparation").struct_value(), "hot_address_submissions").number_value();
  EXPECT_EQ(PendingComments(), valid_as_expected + static_cast<int64_t>(hot) - 1) << table;

  const double ratio = Field(report, "submit_to_health_ratio").number_value();
  EXPECT_GT(ratio, 0);
  EXPECT_LT(ratio, 1);
  EXPECT_NE(table.find("SubmitComment / Health.Check = "), std::string::npos) << table;
}

TEST_F(LoadgenTest, AnOpenLoopSendsOnScheduleAndCountsLatencyFromWhenCallsWereDue) {
  Struct report;
  std::string table;
  const int exit_code = RunLoadgen({"--phases", "submit", "--rate", "40", "--duration", "1",
                                    "--warmup", "0", "--mix", "valid=100"},
                                   &report, &table);
  ASSERT_EQ(exit_code, 0) << table;
  EXPECT_EQ(Field(report, "mode").string_value(), "open_loop");
  const Struct& phase = Field(report, "phases").list_value().values(0).struct_value();
  EXPECT_TRUE(Field(phase, "open_loop").bool_value());
  EXPECT_NEAR(Field(phase, "sent_per_second").number_value(), 40, 4);
  const Struct& row = Field(phase, "calls").list_value().values(0).struct_value();
  EXPECT_EQ(Field(row, "as_expected").number_value(), 40) << table;
  EXPECT_EQ(Field(row, "dropped").number_value(), 0);
  // No ratio from an open loop: its rate is the one asked for.
  EXPECT_EQ(Field(report, "submit_to_health_ratio").kind_case(), Value::kNullValue);
  EXPECT_EQ(PendingComments(), 40);
}

TEST_F(LoadgenTest, AServerThatIsNotThereIsAnErrorNotAReport) {
  Struct report;
  std::string table;
  const std::string json_path = redis_->data_dir() + "/absent.json";
  absl::StatusOr<testing::CommandResult> result = testing::RunCommand(
      {MODERATION_LOADGEN_BINARY, "--target", absl::StrCat("127.0.0.1:", testing::PickFreePort()),
       "--deadline-ms", "500", "--json", json_path},
      {}, redis_->data_dir() + "/absent.stderr");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->exit_code, 1);
  EXPECT_FALSE(std::ifstream(json_path).good());
}

}  // namespace
}  // namespace moderation::e2e
