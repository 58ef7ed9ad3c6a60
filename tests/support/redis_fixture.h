#pragma once

#include <memory>

#include "gtest/gtest.h"
#include "service/storage/redis/redis_client.h"
#include "tests/support/redis_server.h"

namespace moderation::testing {

// The base of every test that talks to a real Redis (`*_redistest.cc`): one
// redis-server per test binary, started by the first test that needs it and
// emptied (FLUSHALL, SCRIPT FLUSH) before each test, so tests neither see each
// other's keys nor pay for a server each. A test that kills the server may
// leave it down: the next one starts it again. A test builds what it needs on
// `client_` in SetUpWithRedis.
class RedisTest : public ::testing::Test {
 protected:
  void SetUp() final;

  // Called by SetUp once the server is empty and `client_` connected.
  virtual void SetUpWithRedis() {}
  // The options of `client_` (the endpoint is filled in).
  virtual redis::RedisClientOptions ClientOptions() { return {}; }

  // A new client of the shared server, connected (the test fails if it is not
  // within 5 s). `options.endpoint` is filled in.
  [[nodiscard]] std::unique_ptr<redis::RedisClient> Connect(redis::RedisClientOptions options = {});

  // The binary's server; valid from SetUp on.
  RedisServer* server_ = nullptr;
  // Connected by SetUp with ClientOptions().
  std::unique_ptr<redis::RedisClient> client_;
};

}  // namespace moderation::testing
