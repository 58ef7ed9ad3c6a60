#pragma once

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "moderation/v1/comment_service.grpc.pb.h"
#include "moderation/v1/errors.pb.h"
#include "moderation/v1/moderation_service.grpc.pb.h"
#include "tests/support/process.h"
#include "tests/support/redis_server.h"

namespace moderation::e2e {

// Starts a private redis-server and the real moderation-server binary (on a
// free loopback port, captcha reveal on) for each test, with a gRPC client.
class EndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // (Re)starts the server binary and waits until it answers.
  void StartServer();
  // Stops the server and starts it again with these extra MODERATION_*
  // settings (on the same Redis).
  void RestartServerWith(std::map<std::string, std::string> settings);
  // What StartServer sets in the server's environment: the fixture's
  // defaults (loopback, captcha reveal, a fixed secret), then extra_settings_.
  [[nodiscard]] std::map<std::string, std::string> ServerEnvironment() const;

  v1::CreateCaptchaResponse NewCaptcha();
  // A valid request for `article_id` with a fresh captcha and its answer.
  v1::SubmitCommentRequest ValidSubmission(const std::string& article_id = "the-gioi-1");
  grpc::Status Submit(const v1::SubmitCommentRequest& request, v1::SubmitCommentResponse* response);

  // Calls with a deadline, so a hang fails the test instead of blocking it.
  static std::unique_ptr<grpc::ClientContext> Context();
  // Sends portal_token_ with the call, if there is one.
  void AddPortalToken(grpc::ClientContext& context) const;

  // The error detail carried by a failed call.
  static v1::ErrorDetail DetailOf(const grpc::Status& status);
  // "field:REASON" for every violation, in order.
  static std::vector<std::string> ViolationsOf(const grpc::Status& status);

  // Runs the modctl binary against the server; returns exit code and stdout.
  testing::CommandResult Modctl(const std::vector<std::string>& args);

  std::unique_ptr<testing::RedisServer> redis_;
  std::unique_ptr<testing::ChildProcess> server_;
  std::string address_;
  std::map<std::string, std::string> extra_settings_;
  // How StartServer's channel (portal_, moderation_) reaches the server, and
  // the bearer token that the start-up probe, NewCaptcha and Submit send (a
  // portal token): the defaults fit a plaintext server without tokens. Set
  // before StartServer.
  std::shared_ptr<grpc::ChannelCredentials> channel_credentials_ =
      grpc::InsecureChannelCredentials();
  std::string portal_token_;
  int metrics_port_ = 0;
  std::string server_log_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::CommentService::Stub> portal_;
  std::unique_ptr<v1::ModerationService::Stub> moderation_;
};

// GET `path` from 127.0.0.1:`port` over plain HTTP/1.0; the whole response.
std::string HttpGet(int port, const std::string& path);

}  // namespace moderation::e2e
