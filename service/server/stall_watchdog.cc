#include "service/server/stall_watchdog.h"

#include "absl/strings/str_cat.h"
#include "service/common/log.h"

namespace moderation::server {
namespace {

// A stall that lasts is logged again this often, so that it shows in any
// window of the logs someone looks at.
constexpr absl::Duration kRepeatEvery = absl::Minutes(1);

std::string Milliseconds(absl::Duration duration) {
  return absl::StrCat(absl::ToInt64Milliseconds(duration));
}

}  // namespace

StallWatchdog::StallWatchdog(const Clock& clock, Options options, OnStall on_stall)
    : clock_(clock), options_(options), on_stall_(std::move(on_stall)) {}

StallWatchdog::~StallWatchdog() { Stop(); }

void StallWatchdog::Watch(std::string what, Probe probe) {
  absl::MutexLock lock(&mutex_);
  Watched watched;
  watched.what = std::move(what);
  watched.probe = std::move(probe);
  watched_.push_back(std::move(watched));
}

int StallWatchdog::Check() {
  absl::MutexLock lock(&mutex_);
  int stalled_now = 0;
  for (Watched& watched : watched_) {
    const absl::Time now = clock_.Now();
    const absl::Time since = watched.probe();
    const absl::Duration waited =
        since == absl::InfiniteFuture() ? absl::ZeroDuration() : now - since;
    if (waited > options_.threshold) {
      ++stalled_now;
      if (!watched.stalled) {
        watched.stalled = true;
        watched.stalled_since = since;
        watched.last_logged = now;
        log::Error("stall: no progress beyond the threshold",
                   {{"what", watched.what},
                    {"stalled_ms", Milliseconds(waited)},
                    {"threshold_ms", Milliseconds(options_.threshold)}});
        if (on_stall_) {
          on_stall_(watched.what);
        }
      } else if (now - watched.last_logged >= kRepeatEvery) {
        watched.last_logged = now;
        log::Error("stall continues", {{"what", watched.what},
                                       {"stalled_ms", Milliseconds(now - watched.stalled_since)}});
      }
    } else if (watched.stalled) {
      watched.stalled = false;
      log::Warning("stall over", {{"what", watched.what},
                                  {"lasted_ms", Milliseconds(now - watched.stalled_since)}});
    }
  }
  return stalled_now;
}

void StallWatchdog::Start() {
  thread_ = std::thread([this] {
    while (!stop_.WaitForNotificationWithTimeout(options_.interval)) {
      Check();
    }
  });
}

void StallWatchdog::Stop() {
  if (!stop_.HasBeenNotified()) {
    stop_.Notify();
  }
  if (thread_.joinable()) {
    thread_.join();
  }
}

}  // namespace moderation::server
