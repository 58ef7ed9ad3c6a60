#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/support/process.h"

namespace moderation::testing {

// A primary, its replicas and three Sentinels, all on loopback TCP ports that
// were free, each with its own data directory under one temporary directory
// (removed afterwards). Data nodes run the shipped configuration
// (deploy/redis/redis.conf); Sentinels decide quickly (down after 500 ms), so
// that a failover takes a few seconds. Fails loudly when redis-server is not
// installed.
class RedisSentinelGroup {
 public:
  static constexpr char kMasterName[] = "moderation";

  static absl::StatusOr<std::unique_ptr<RedisSentinelGroup>> Start(int replicas);
  ~RedisSentinelGroup();

  // "127.0.0.1:port" of each Sentinel (redis.sentinels).
  [[nodiscard]] std::vector<std::string> SentinelAddresses() const;
  // Where the Sentinels say the primary is, as a port (0 when none answers).
  [[nodiscard]] int PrimaryPort() const;
  // Waits until every Sentinel knows every replica and the other Sentinels,
  // and every replica is in sync with the primary.
  absl::Status WaitUntilSettled(absl::Duration timeout) const;
  // Kills the data node on `port` with SIGKILL.
  absl::Status KillNode(int port);
  // Runs redis-cli against the node on `port`; output trimmed.
  absl::StatusOr<std::string> Cli(int port, const std::vector<std::string>& args) const;
  [[nodiscard]] const std::string& dir() const { return dir_.path(); }

 private:
  struct Node {
    int port = 0;
    std::unique_ptr<ChildProcess> process;
  };
  RedisSentinelGroup() = default;
  absl::StatusOr<Node> Launch(const std::string& name, std::vector<std::string> argv, int port);

  TempDir dir_;
  std::vector<Node> data_nodes_;  // the first is the initial primary
  std::vector<Node> sentinels_;
};

}  // namespace moderation::testing
