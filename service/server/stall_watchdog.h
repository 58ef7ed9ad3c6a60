#pragma once

#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "service/common/clock.h"

namespace moderation::server {

// Watches what must keep moving (the Redis client's event loop, the calls in
// flight) and reports every stall beyond a threshold: a log line when it
// starts, again each minute it lasts, one when it ends, and a count of stalls
// by what stalled. Its own thread does the watching, so a hang elsewhere in the
// process cannot silence it.
class StallWatchdog {
 public:
  // Since when the watched thing has been waiting: the event loop's last tick,
  // the arrival of the oldest call in flight; absl::InfiniteFuture() when
  // nothing waits. Called on the watchdog's thread; must not block.
  using Probe = std::function<absl::Time()>;
  // Told once per stall, when it is first seen (for a counter). Must be quick.
  using OnStall = std::function<void(const std::string& what)>;

  struct Options {
    absl::Duration threshold = absl::Seconds(3);
    // How often Start's thread checks; a stall is seen at most this late.
    absl::Duration interval = absl::Milliseconds(250);
  };

  StallWatchdog(const Clock& clock, Options options, OnStall on_stall);
  ~StallWatchdog();
  StallWatchdog(const StallWatchdog&) = delete;
  StallWatchdog& operator=(const StallWatchdog&) = delete;

  // Adds something to watch, named `what` in logs and metrics. Before Start.
  void Watch(std::string what, Probe probe);

  // One round of checks (Start's thread runs them every interval). Returns
  // how many watched things are stalled now. Thread-safe.
  int Check();

  // Checks every interval on a thread of its own until Stop (or destruction).
  void Start();
  void Stop();

 private:
  struct Watched {
    std::string what;
    Probe probe;
    bool stalled = false;
    absl::Time stalled_since;
    absl::Time last_logged;
  };

  const Clock& clock_;
  const Options options_;
  const OnStall on_stall_;
  absl::Mutex mutex_;
  std::vector<Watched> watched_ ABSL_GUARDED_BY(mutex_);
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace moderation::server
