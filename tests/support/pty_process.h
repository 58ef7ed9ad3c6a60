#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace moderation::testing {

// A program run in a pseudo-terminal (forkpty), as a person at a terminal
// would run it: it sees a terminal of the given size on stdin, stdout and
// stderr; the test types keys and reads back what it drew.
class PtyProcess {
 public:
  // Starts `argv` with the environment plus `extra_env`. INTERNAL when no
  // pseudo-terminal can be had.
  static absl::StatusOr<std::unique_ptr<PtyProcess>> Start(
      const std::vector<std::string>& argv, const std::map<std::string, std::string>& extra_env,
      int columns = 100, int rows = 40);
  // Kills the program (SIGKILL) if it still runs.
  ~PtyProcess();
  PtyProcess(const PtyProcess&) = delete;
  PtyProcess& operator=(const PtyProcess&) = delete;

  // Types `keys` as they are.
  absl::Status Type(absl::string_view keys);

  // Waits until the output since the last Mark holds `text`; false after
  // `timeout`.
  [[nodiscard]] bool WaitFor(absl::string_view text, absl::Duration timeout = absl::Seconds(10));

  // Everything the program wrote so far, escape sequences included.
  [[nodiscard]] const std::string& output() const { return output_; }
  // What it wrote since the last Mark.
  [[nodiscard]] std::string since_mark() const { return output_.substr(mark_); }
  // Later WaitFor calls look only at what comes after this point.
  void Mark() { mark_ = output_.size(); }

  // Waits for the program to end and returns its exit code (or 128 + the
  // signal that ended it); DEADLINE_EXCEEDED after `timeout`.
  absl::StatusOr<int> Wait(absl::Duration timeout = absl::Seconds(10));

 private:
  PtyProcess(pid_t pid, int master) : pid_(pid), master_(master) {}
  // Reads what is available, waiting up to `wait` for the first byte.
  void Pump(absl::Duration wait);

  pid_t pid_;
  int master_;
  bool exited_ = false;
  int exit_code_ = -1;
  std::string output_;
  std::size_t mark_ = 0;
};

}  // namespace moderation::testing
