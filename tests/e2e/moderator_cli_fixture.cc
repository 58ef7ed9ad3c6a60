#include "tests/e2e/moderator_cli_fixture.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace moderation::e2e {

void ModeratorCliTest::SetUp() {
  // The shipped rules flag as in production, but refuse nothing: these tests
  // need the adverts they post in the queue, flagged, whatever the rules'
  // refusal threshold becomes.
  std::ifstream shipped(std::string(MODERATION_SOURCE_DIR) + "/deploy/spam-rules.toml");
  std::string rules(std::istreambuf_iterator<char>(shipped), {});
  const std::string threshold = "\nreject = ";
  const std::size_t at = rules.find(threshold);
  ASSERT_NE(at, std::string::npos) << "deploy/spam-rules.toml has no reject threshold";
  rules.replace(at + threshold.size(), rules.find_first_not_of("0123456789.", at + threshold.size()) -
                                            (at + threshold.size()),
                "1000");
  rules_path_ = ::testing::TempDir() + "/queue-rules-" + std::to_string(::getpid()) + ".toml";
  std::ofstream(rules_path_, std::ios::trunc) << rules;
  extra_settings_ = {{"MODERATION_SPAM_RULES_FILE", rules_path_},
                     {"MODERATION_RATELIMIT_ENABLED", "0"}};
  EndToEndTest::SetUp();
}

void ModeratorCliTest::TearDown() {
  std::remove(rules_path_.c_str());
  EndToEndTest::TearDown();
}

std::string ModeratorCliTest::Post(const std::string& article, const std::string& name,
                                   const std::string& title, const std::string& body,
                                   const std::string& ip, const std::string& phone) {
  v1::SubmitCommentRequest request = ValidSubmission(article);
  request.set_name(name);
  request.set_title(title);
  request.set_body(body);
  request.set_client_ip(ip);
  request.set_phone(phone);
  v1::SubmitCommentResponse response;
  const grpc::Status status = Submit(request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.status(), v1::SUBMISSION_STATUS_PENDING_MODERATION) << response.message();
  return response.comment_id();
}

std::map<std::string, std::string> ModeratorCliTest::ModctlEnvironment(
    const std::map<std::string, std::string>& env) const {
  std::map<std::string, std::string> merged = {
      {"MODCTL_CONFIG", redis_->data_dir() + "/no-such-modctl-config.toml"},
      {"NO_COLOR", "1"},
      {"TZ", "Asia/Ho_Chi_Minh"},
  };
  for (const auto& [name, value] : env) {
    merged[name] = value;
  }
  return merged;
}

ModeratorCliTest::Run ModeratorCliTest::Modctl(const std::vector<std::string>& args,
                                               const std::map<std::string, std::string>& env) {
  std::vector<std::string> argv = {MODERATION_MODCTL_BINARY};
  if (env.count("MODCTL_SERVER") == 0 && env.count("MODCTL_CONFIG") == 0) {
    argv.insert(argv.end(), {"--server", address_});
  }
  argv.insert(argv.end(), args.begin(), args.end());
  const std::string stderr_path = redis_->data_dir() + "/modctl.stderr";
  absl::StatusOr<testing::CommandResult> result =
      testing::RunCommand(argv, ModctlEnvironment(env), stderr_path);
  EXPECT_TRUE(result.ok()) << result.status();
  Run run;
  if (result.ok()) {
    run.exit_code = result->exit_code;
    run.out = result->output;
  }
  std::ifstream file(stderr_path);
  std::stringstream contents;
  contents << file.rdbuf();
  run.err = contents.str();
  return run;
}

std::unique_ptr<testing::PtyProcess> ModeratorCliTest::ModctlInTerminal(
    const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
    int columns) {
  std::vector<std::string> argv = {MODERATION_MODCTL_BINARY, "--server", address_};
  argv.insert(argv.end(), args.begin(), args.end());
  absl::StatusOr<std::unique_ptr<testing::PtyProcess>> started =
      testing::PtyProcess::Start(argv, ModctlEnvironment(env), columns);
  EXPECT_TRUE(started.ok()) << started.status();
  return started.ok() ? *std::move(started) : nullptr;
}

v1::ModeratedComment ModeratorCliTest::Get(const std::string& id) {
  v1::GetCommentRequest request;
  request.set_comment_id(id);
  v1::GetCommentResponse response;
  auto context = Context();
  const grpc::Status status = moderation_->GetComment(context.get(), request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response.comment();
}

std::vector<std::string> CommentIdsIn(const std::string& text) {
  constexpr absl::string_view kAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  std::vector<std::string> ids;
  std::size_t run = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && kAlphabet.find(text[i]) != absl::string_view::npos) {
      ++run;
      continue;
    }
    if (run == 26) {
      ids.push_back(text.substr(i - run, run));
    }
    run = 0;
  }
  return ids;
}

}  // namespace moderation::e2e
