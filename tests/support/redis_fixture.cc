#include "tests/support/redis_fixture.h"

#include <string>
#include <utility>
#include <vector>

namespace moderation::testing {
namespace {

// Owns the binary's server and stops it (removing its directory) once every
// test has run. ctest runs each test in a process of its own, so a server left
// behind by each would pile up by the hundred over a suite.
class SharedServerEnvironment final : public ::testing::Environment {
 public:
  void TearDown() override { server.reset(); }

  std::unique_ptr<RedisServer> server;
};

// Registered with gtest before main runs; gtest owns it.
SharedServerEnvironment* const kShared = static_cast<SharedServerEnvironment*>(
    ::testing::AddGlobalTestEnvironment(new SharedServerEnvironment));

std::unique_ptr<RedisServer>& SharedServer() { return kShared->server; }

}  // namespace

void RedisTest::SetUp() {
  std::unique_ptr<RedisServer>& shared = SharedServer();
  if (shared == nullptr) {
    absl::StatusOr<std::unique_ptr<RedisServer>> started = RedisServer::Start();
    ASSERT_TRUE(started.ok()) << started.status();
    shared = *std::move(started);
  } else if (absl::StatusOr<std::string> pong = shared->Cli({"PING"});
             !pong.ok() || *pong != "PONG") {
    ASSERT_TRUE(shared->Restart().ok()) << "cannot restart the shared redis-server";
  }
  server_ = shared.get();
  for (const std::vector<std::string>& command :
       {std::vector<std::string>{"FLUSHALL"}, std::vector<std::string>{"SCRIPT", "FLUSH"}}) {
    absl::StatusOr<std::string> done = server_->Cli(command);
    ASSERT_TRUE(done.ok() && *done == "OK") << command[0] << ": " << done.status();
  }
  client_ = Connect(ClientOptions());
  ASSERT_NE(client_, nullptr);
  SetUpWithRedis();
}

std::unique_ptr<redis::RedisClient> RedisTest::Connect(redis::RedisClientOptions options) {
  absl::StatusOr<redis::RedisEndpoint> endpoint = redis::ParseRedisUrl(server_->url());
  EXPECT_TRUE(endpoint.ok()) << endpoint.status();
  options.endpoint = *std::move(endpoint);
  absl::StatusOr<std::unique_ptr<redis::RedisClient>> client =
      redis::RedisClient::Create(std::move(options));
  EXPECT_TRUE(client.ok()) << client.status();
  if (!client.ok()) {
    return nullptr;
  }
  EXPECT_TRUE((*client)->WaitUntilConnected(absl::Seconds(5)));
  return *std::move(client);
}

}  // namespace moderation::testing
