#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "tests/support/process.h"

namespace moderation::testing {

// A private redis-server for one test: the project's shipped configuration
// (deploy/redis/redis.conf: AOF, fsync always), no TCP port, a unix socket and
// data in a temporary directory that is removed afterwards. Fails loudly when
// redis-server is not installed.
class RedisServer {
 public:
  // `extra_args` are appended to the command line, e.g. {"--appendfsync", "everysec"}.
  static absl::StatusOr<std::unique_ptr<RedisServer>> Start(
      std::vector<std::string> extra_args = {});
  ~RedisServer();

  // "unix:///tmp/.../redis.sock", the form the service's config takes.
  [[nodiscard]] std::string url() const { return "unix://" + socket_path_; }
  [[nodiscard]] const std::string& socket_path() const { return socket_path_; }
  [[nodiscard]] const std::string& data_dir() const { return dir_.path(); }

  // Kills the server without letting it save anything (a crash).
  absl::Status Kill();
  // Stops the server the orderly way (SIGTERM: it finishes its AOF and
  // closes its connections) and waits for it to exit.
  absl::Status Stop();
  // Starts it again on the same data directory and socket.
  absl::Status Restart();
  // Sends a signal to the running server (SIGSTOP freezes it, SIGCONT thaws it).
  absl::Status Signal(int signal_number);
  // Runs redis-cli against the server and returns its output, trimmed.
  absl::StatusOr<std::string> Cli(const std::vector<std::string>& args) const;

 private:
  RedisServer() = default;
  absl::Status Launch();

  std::vector<std::string> extra_args_;
  TempDir dir_;
  std::string socket_path_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace moderation::testing
