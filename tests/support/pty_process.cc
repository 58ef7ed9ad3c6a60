#include "tests/support/pty_process.h"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

extern char** environ;

namespace moderation::testing {

absl::StatusOr<std::unique_ptr<PtyProcess>> PtyProcess::Start(
    const std::vector<std::string>& argv, const std::map<std::string, std::string>& extra_env,
    int columns, int rows) {
  // Everything the child needs is built before the fork: in a threaded
  // process, the child may only make async-signal-safe calls until it execs.
  std::map<std::string, std::string> merged;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text(*entry);
    const std::size_t equals = text.find('=');
    if (equals != std::string::npos) {
      merged[text.substr(0, equals)] = text.substr(equals + 1);
    }
  }
  for (const auto& [name, value] : extra_env) {
    merged[name] = value;
  }
  std::vector<std::string> environment;
  for (const auto& [name, value] : merged) {
    environment.push_back(absl::StrCat(name, "=", value));
  }
  std::vector<char*> env_pointers;
  for (std::string& entry : environment) {
    env_pointers.push_back(entry.data());
  }
  env_pointers.push_back(nullptr);
  std::vector<std::string> args_copy = argv;
  std::vector<char*> arg_pointers;
  for (std::string& arg : args_copy) {
    arg_pointers.push_back(arg.data());
  }
  arg_pointers.push_back(nullptr);

  winsize size{};
  size.ws_col = static_cast<unsigned short>(columns);
  size.ws_row = static_cast<unsigned short>(rows);
  int master = -1;
  const pid_t pid = forkpty(&master, nullptr, nullptr, &size);
  if (pid < 0) {
    return absl::InternalError(absl::StrCat("forkpty: ", std::strerror(errno)));
  }
  if (pid == 0) {
    execve(arg_pointers[0], arg_pointers.data(), env_pointers.data());
    _exit(127);
  }
  fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
  return std::unique_ptr<PtyProcess>(new PtyProcess(pid, master));
}

PtyProcess::~PtyProcess() {
  if (!exited_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  close(master_);
}

absl::Status PtyProcess::Type(absl::string_view keys) {
  while (!keys.empty()) {
    const ssize_t written = write(master_, keys.data(), keys.size());
    if (written < 0) {
      if (errno == EAGAIN || errno == EINTR) {
        Pump(absl::Milliseconds(10));
        continue;
      }
      return absl::InternalError(absl::StrCat("write to the terminal: ", std::strerror(errno)));
    }
    keys.remove_prefix(static_cast<std::size_t>(written));
  }
  return absl::OkStatus();
}

void PtyProcess::Pump(absl::Duration wait) {
  pollfd entry{master_, POLLIN, 0};
  if (poll(&entry, 1, static_cast<int>(absl::ToInt64Milliseconds(wait))) <= 0) {
    return;
  }
  char buffer[4096];
  while (true) {
    const ssize_t got = read(master_, buffer, sizeof(buffer));
    if (got <= 0) {
      // EAGAIN: drained; EIO: the program closed its end.
      return;
    }
    output_.append(buffer, static_cast<std::size_t>(got));
  }
}

bool PtyProcess::WaitFor(absl::string_view text, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    if (absl::StrContains(absl::string_view(output_).substr(mark_), text)) {
      return true;
    }
    const absl::Time now = absl::Now();
    if (now >= deadline) {
      return false;
    }
    Pump(std::min(deadline - now, absl::Milliseconds(50)));
  }
}

absl::StatusOr<int> PtyProcess::Wait(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!exited_) {
    Pump(absl::Milliseconds(20));
    int status = 0;
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      exited_ = true;
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError("the program is still running");
    }
  }
  // What it wrote just before it ended.
  Pump(absl::Milliseconds(20));
  return exit_code_;
}

}  // namespace moderation::testing
