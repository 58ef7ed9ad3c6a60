#include "service/server/runner.h"

#include <signal.h>
#include <sys/stat.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "service/common/log.h"
#include "service/common/status_macros.h"
#include "service/server/service.h"

namespace moderation::server {
namespace {

// What a file looked like when last seen, to notice it was replaced or
// rewritten (a Kubernetes Secret update swaps a symlink: stat follows it).
struct FileStamp {
  ino_t inode = 0;
  int64_t size = -1;
  int64_t modified_ns = 0;
  friend bool operator==(const FileStamp&, const FileStamp&) = default;
};

FileStamp StampOf(const std::string& path) {
  struct stat status {};
  if (stat(path.c_str(), &status) != 0) {
    return {};
  }
  return {.inode = status.st_ino,
          .size = status.st_size,
          .modified_ns = int64_t{status.st_mtim.tv_sec} * 1'000'000'000 + status.st_mtim.tv_nsec};
}

// The files that a reload reads, watched for changes.
class WatchedFiles {
 public:
  explicit WatchedFiles(std::vector<std::string> paths) {
    for (std::string& path : paths) {
      if (!path.empty()) {
        stamps_.emplace_back(path, StampOf(path));
      }
    }
  }
  // True when any file changed since the last call (or construction).
  bool Changed() {
    bool changed = false;
    for (auto& [path, stamp] : stamps_) {
      const FileStamp now = StampOf(path);
      if (!(now == stamp)) {
        stamp = now;
        changed = true;
      }
    }
    return changed;
  }

 private:
  std::vector<std::pair<std::string, FileStamp>> stamps_;
};

// Waits for SIGTERM or SIGINT. SIGHUP runs `reload` and waits on; so does a
// change of a watched file, looked for every two seconds.
int WaitForShutdownSignal(const std::function<void(absl::string_view trigger)>& reload,
                          WatchedFiles& files) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  const timespec look_every = {2, 0};
  while (true) {
    const int signal_number = sigtimedwait(&signals, nullptr, &look_every);
    if (signal_number < 0) {
      if (errno == EAGAIN && files.Changed()) {
        // A file being written may be caught half done: the checks refuse it
        // and the next look, or SIGHUP, takes the whole one.
        reload("a watched file changed");
      }
      continue;
    }
    if (signal_number == SIGHUP) {
      files.Changed();  // what changed is read now
      reload("SIGHUP");
      continue;
    }
    return signal_number;
  }
}

}  // namespace

void SetUpSignals() {
  // hiredis writes to its sockets without MSG_NOSIGNAL: a write racing Redis's
  // crash would raise SIGPIPE and silently end the whole service. Ignored, the
  // write fails with EPIPE and the connection is dropped and retried instead.
  std::signal(SIGPIPE, SIG_IGN);
  // A process started in the background by a shell inherits SIGINT ignored,
  // and an ignored signal never reaches sigwait: restore the defaults first.
  for (int signal_number : {SIGTERM, SIGINT, SIGHUP}) {
    std::signal(signal_number, SIG_DFL);
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

absl::Status Run(const config::ServerConfig& config, const config::Environment& environment) {
  ASSIGN_OR_RETURN(std::unique_ptr<Service> service, Service::Create(config, environment));
  RETURN_IF_ERROR(service->Serve());
  WatchedFiles files({config.spam.rules_file, config.auth.tokens_file, config.tls.cert_file,
                      config.tls.key_file, config.tls.client_ca_file});
  const int signal_number = WaitForShutdownSignal(
      [&service](absl::string_view trigger) { service->Reload(trigger); }, files);
  log::Info("shutting down", {{"signal", strsignal(signal_number)},
                              {"grace_seconds", absl::StrCat(config.shutdown_grace_seconds)}});
  service->Shutdown(absl::Seconds(config.shutdown_grace_seconds));
  log::Info("stopped");
  return absl::OkStatus();
}

}  // namespace moderation::server
