#include "tests/e2e/e2e_fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "tests/support/altcha_client.h"
#include "tests/support/error_detail.h"
#include "tests/support/reader_address.h"

namespace moderation::e2e {
namespace {

constexpr char kSecretHex[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

}  // namespace

void EndToEndTest::SetUp() {
  absl::StatusOr<std::unique_ptr<testing::RedisServer>> redis = testing::RedisServer::Start();
  ASSERT_TRUE(redis.ok()) << redis.status();
  redis_ = *std::move(redis);
  address_ = absl::StrCat("127.0.0.1:", testing::PickFreePort());
  metrics_port_ = testing::PickFreePort();
  server_log_ = redis_->data_dir() + "/moderation-server.log";
  StartServer();
}

void EndToEndTest::TearDown() {
  if ((HasFailure() || getenv("E2E_SHOW_LOG") != nullptr) && !server_log_.empty()) {
    std::cerr << "---- moderation-server log ----\n" << ReadFile(server_log_);
  }
  server_.reset();
  redis_.reset();
}

void EndToEndTest::RestartServerWith(std::map<std::string, std::string> settings) {
  if (server_) {
    ASSERT_TRUE(server_->Stop(SIGTERM, absl::Seconds(10)).ok());
  }
  extra_settings_ = std::move(settings);
  StartServer();
}

std::map<std::string, std::string> EndToEndTest::ServerEnvironment() const {
  std::map<std::string, std::string> environment = {
      {"MODERATION_LISTEN", address_},
      {"MODERATION_REDIS_URL", redis_->url()},
      {"MODERATION_DEV_REVEAL_CAPTCHA", "1"},
      {"MODERATION_SECRET_KEY", kSecretHex},
      {"MODERATION_SHUTDOWN_GRACE_SECONDS", "5"},
      {"MODERATION_METRICS_LISTEN", absl::StrCat("127.0.0.1:", metrics_port_)},
      {"MODERATION_LOG_LEVEL", "debug"}};
  for (const auto& [name, value] : extra_settings_) {
    environment[name] = value;
  }
  return environment;
}

void EndToEndTest::StartServer() {
  absl::StatusOr<testing::ChildProcess> server =
      testing::ChildProcess::Start({MODERATION_SERVER_BINARY}, ServerEnvironment(), server_log_);
  ASSERT_TRUE(server.ok()) << server.status();
  server_ = std::make_unique<testing::ChildProcess>(*std::move(server));
  channel_ = grpc::CreateChannel(address_, channel_credentials_);
  portal_ = v1::CommentService::NewStub(channel_);
  moderation_ = v1::ModerationService::NewStub(channel_);
  const bool up = testing::WaitFor(
      [&] {
        v1::CreateCaptchaResponse response;
        auto context = Context();
        // Waits for the port to open instead of failing while the channel
        // backs off between connection attempts.
        context->set_wait_for_ready(true);
        AddPortalToken(*context);
        return portal_->CreateCaptcha(context.get(), testing::ReaderCaptchaRequest(), &response)
            .ok();
      },
      absl::Seconds(15));
  ASSERT_TRUE(up) << "moderation-server did not come up:\n" << ReadFile(server_log_);
}

void EndToEndTest::AddPortalToken(grpc::ClientContext& context) const {
  if (!portal_token_.empty()) {
    context.AddMetadata("authorization", "Bearer " + portal_token_);
  }
}

std::unique_ptr<grpc::ClientContext> EndToEndTest::Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  return context;
}

v1::CreateCaptchaResponse EndToEndTest::NewCaptcha() {
  v1::CreateCaptchaResponse response;
  auto context = Context();
  AddPortalToken(*context);
  const grpc::Status status =
      portal_->CreateCaptcha(context.get(), testing::ReaderCaptchaRequest(), &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response;
}

v1::SubmitCommentRequest EndToEndTest::ValidSubmission(const std::string& article_id) {
  const v1::CreateCaptchaResponse captcha = NewCaptcha();
  v1::SubmitCommentRequest request;
  request.set_article_id(article_id);
  request.set_name("Hoàng Minh Đức");
  request.set_phone("0903 123 456");
  request.set_title("Ý kiến bạn đọc");
  request.set_body("Bài viết phản ánh đúng thực tế.\nMong cơ quan chức năng vào cuộc.");
  request.set_captcha_id(captcha.captcha_id());
  request.set_captcha_answer(captcha.dev_answer());
  // As a reader's browser does, not with the reveal mode's solved payload.
  request.set_altcha_payload(testing::SolvedAltchaPayload(captcha));
  request.set_client_ip("203.0.113.77");
  request.set_user_agent("Mozilla/5.0 (X11; Linux x86_64)");
  return request;
}

grpc::Status EndToEndTest::Submit(const v1::SubmitCommentRequest& request,
                                  v1::SubmitCommentResponse* response) {
  auto context = Context();
  AddPortalToken(*context);
  return portal_->SubmitComment(context.get(), request, response);
}

v1::ErrorDetail EndToEndTest::DetailOf(const grpc::Status& status) {
  return testing::DetailOf(status);
}

std::vector<std::string> EndToEndTest::ViolationsOf(const grpc::Status& status) {
  std::vector<std::string> out;
  const v1::ErrorDetail detail = DetailOf(status);
  for (const v1::FieldViolation& violation : detail.field_violations()) {
    out.push_back(absl::StrCat(violation.field(), ":", violation.reason()));
  }
  return out;
}

testing::CommandResult EndToEndTest::Modctl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {MODERATION_MODCTL_BINARY, "--server", address_};
  argv.insert(argv.end(), args.begin(), args.end());
  absl::StatusOr<testing::CommandResult> result =
      testing::RunCommand(argv, {}, redis_->data_dir() + "/modctl.stderr");
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? *result : testing::CommandResult{};
}

std::string HttpGet(int port, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0) {
    const std::string request = "GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n";
    if (write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      char buffer[4096];
      ssize_t got = 0;
      while ((got = read(fd, buffer, sizeof(buffer))) > 0) {
        response.append(buffer, static_cast<std::size_t>(got));
      }
    }
  }
  close(fd);
  return response;
}

}  // namespace moderation::e2e
