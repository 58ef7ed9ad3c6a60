#include "tests/support/redis_server.h"

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace moderation::testing {
namespace {

bool CanConnect(const std::string& socket_path) {
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  socket_path.copy(address.sun_path, sizeof(address.sun_path) - 1);
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  return ok;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RedisServer>> RedisServer::Start(
    std::vector<std::string> extra_args) {
  std::unique_ptr<RedisServer> server(new RedisServer());
  server->extra_args_ = std::move(extra_args);
  server->socket_path_ = server->dir_.path() + "/redis.sock";
  if (absl::Status launched = server->Launch(); !launched.ok()) {
    return launched;
  }
  return server;
}

RedisServer::~RedisServer() {
  if (process_) {
    (void)process_->Stop(SIGKILL, absl::Seconds(5));
  }
}

absl::Status RedisServer::Launch() {
  std::vector<std::string> argv = {"redis-server",
                                   // NOLINTNEXTLINE(bugprone-suspicious-missing-comma)
                                   MODERATION_SOURCE_DIR "/deploy/redis/redis.conf", "--port", "0",
                                   "--unixsocket", socket_path_, "--unixsocketperm", "700", "--dir",
                                   dir_.path(), "--daemonize", "no", "--enable-debug-command",
                                   "local"};
  argv.insert(argv.end(), extra_args_.begin(), extra_args_.end());
  absl::StatusOr<ChildProcess> process = ChildProcess::Start(argv, {}, dir_.path() + "/redis.log");
  if (!process.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("redis-server is required for this test and could not be started: ",
                     process.status().message()));
  }
  process_ = std::make_unique<ChildProcess>(*std::move(process));
  if (!WaitFor([this] { return CanConnect(socket_path_); }, absl::Seconds(10))) {
    return absl::DeadlineExceededError(
        absl::StrCat("redis-server did not come up; see ", dir_.path(), "/redis.log"));
  }
  return absl::OkStatus();
}

absl::Status RedisServer::Kill() {
  if (!process_) {
    return absl::FailedPreconditionError("not running");
  }
  absl::StatusOr<int> stopped = process_->Stop(SIGKILL, absl::Seconds(5));
  process_.reset();
  unlink(socket_path_.c_str());
  return stopped.status();
}

absl::Status RedisServer::Stop() {
  if (!process_) {
    return absl::FailedPreconditionError("not running");
  }
  absl::StatusOr<int> stopped = process_->Stop(SIGTERM, absl::Seconds(10));
  process_.reset();
  unlink(socket_path_.c_str());
  return stopped.status();
}

absl::Status RedisServer::Restart() {
  if (process_) {
    if (absl::Status killed = Kill(); !killed.ok()) {
      return killed;
    }
  }
  return Launch();
}

absl::Status RedisServer::Signal(int signal_number) {
  if (!process_ || !process_->Running()) {
    return absl::FailedPreconditionError("not running");
  }
  if (kill(process_->pid(), signal_number) != 0) {
    return absl::InternalError("kill failed");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> RedisServer::Cli(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {"redis-cli", "-s", socket_path_};
  argv.insert(argv.end(), args.begin(), args.end());
  absl::StatusOr<CommandResult> result = RunCommand(argv, {});
  if (!result.ok()) {
    return result.status();
  }
  return std::string(absl::StripAsciiWhitespace(result->output));
}

}  // namespace moderation::testing
