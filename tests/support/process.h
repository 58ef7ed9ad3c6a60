#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace moderation::testing {

// A child process started from a program and arguments, its output appended
// to `log_path`. Killed (SIGKILL) on destruction if still running.
class ChildProcess {
 public:
  static absl::StatusOr<ChildProcess> Start(const std::vector<std::string>& argv,
                                            const std::map<std::string, std::string>& extra_env,
                                            const std::string& log_path);
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ~ChildProcess();

  // Sends `signal` and waits up to `timeout` for the exit; returns the exit
  // status as waitpid reports it, or DEADLINE_EXCEEDED.
  absl::StatusOr<int> Stop(int signal, absl::Duration timeout);
  [[nodiscard]] bool Running();
  [[nodiscard]] pid_t pid() const { return pid_; }

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
};

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout only
};

// Runs a command to completion, capturing stdout (stderr goes to `stderr_path`
// when given).
absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                         const std::map<std::string, std::string>& extra_env,
                                         const std::string& stderr_path = "");

// A fresh temporary directory, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A TCP port on 127.0.0.1 that was free a moment ago.
int PickFreePort();

// Polls `ready` every few milliseconds until true or `timeout`.
bool WaitFor(const std::function<bool()>& ready, absl::Duration timeout);

}  // namespace moderation::testing
