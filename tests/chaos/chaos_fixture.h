#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/chaos/submission_load.h"
#include "tests/support/process.h"
#include "tests/support/redis_server.h"

namespace moderation::chaos {

// What Redis holds after a scenario, checked against what was acknowledged.
struct Audit {
  int acknowledged = 0;
  // Acknowledged submissions found exactly once, with the acknowledged id,
  // pending, and in the moderation queue.
  int found = 0;
  // Acknowledged submissions missing, stored more than once, or stored under
  // another id (each is a test failure).
  std::vector<std::string> problems;
  // Tokens stored twice or more, acknowledged or not.
  int duplicated = 0;
  // Comments stored without an acknowledgement (the reply was lost or came
  // after the load stopped): allowed, they are in the queue like the others.
  int stored_unacknowledged = 0;
};

// Chaos scenarios: the real moderation-server binary under a steady load of
// submissions while Redis, Sentinel or the server itself misbehaves. Every
// scenario ends by checking that each acknowledged submission is in Redis,
// exactly once, and prints one summary line (grep "CHAOS").
class ChaosTest : public ::testing::Test {
 protected:
  void TearDown() override;

  // A private redis-server with the shipped configuration (unix socket).
  void StartRedis();
  // Starts moderation-server against `redis_url` with the chaos settings
  // (short Redis timeouts, no rate limits) plus `settings`, and waits until
  // it answers.
  void StartServer(const std::string& redis_url, std::map<std::string, std::string> settings = {});
  // Waits until the health service says SERVING (true) or gives up.
  bool WaitUntilServing(absl::Duration timeout);

  LoadOptions Load() const;

  // Reads every stored comment and the queue through a fresh connection to
  // `redis_url` and checks them against `report`.
  Audit AuditRedis(const std::string& redis_url, const LoadReport& report);
  // Prints the scenario's summary line and adds its figures to the test's
  // XML properties.
  void Summarise(const std::string& scenario, const LoadReport& report, const Audit& audit,
                 absl::Duration recovery);

  std::unique_ptr<testing::RedisServer> redis_;
  std::unique_ptr<testing::ChildProcess> server_;
  std::string address_;
  std::string server_log_;
  std::unique_ptr<testing::TempDir> dir_ = std::make_unique<testing::TempDir>();
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace moderation::chaos
