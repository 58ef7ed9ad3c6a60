#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace moderation::testing {

// A unix-socket proxy in front of a Redis, for tests that need a reply lost
// on the way back: the command reaches Redis and runs, its answer never
// arrives. Connections pass bytes both ways until told otherwise.
class FaultProxy {
 public:
  // Listens on `listen_path` and connects each client to `upstream_path`.
  static absl::StatusOr<std::unique_ptr<FaultProxy>> Start(std::string upstream_path,
                                                           std::string listen_path);
  ~FaultProxy();

  // "unix://<listen_path>", for redis.url.
  [[nodiscard]] std::string url() const { return "unix://" + listen_path_; }

  // The first connection whose client then sends bytes containing `trigger`
  // still forwards them, but nothing more from Redis reaches that client.
  // Other connections, and those opened later, are left alone.
  void SwallowRepliesAfter(std::string trigger);
  // Cancels a trigger not yet spent; a connection already swallowing stays so
  // (its client drops it when its command times out).
  void Heal();
  // How many connections have swallowed replies so far.
  [[nodiscard]] int swallowing() const { return swallowing_.load(); }

  // Closes every connection now (both sides see it end), as a broken network
  // would; while `refuse` is set, new connections are closed as they come.
  void DropConnections();
  void RefuseConnections(bool refuse) { refuse_.store(refuse); }
  // Holds every reply from Redis this long before passing it on (a slow
  // server or network); zero passes them at once again, including one held.
  void DelayReplies(absl::Duration delay) { delay_ms_.store(absl::ToInt64Milliseconds(delay)); }

 private:
  FaultProxy() = default;
  void Run();

  std::string upstream_path_;
  std::string listen_path_;
  int listen_fd_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<int> swallowing_{0};
  std::atomic<bool> drop_{false};
  std::atomic<bool> refuse_{false};
  std::atomic<int64_t> delay_ms_{0};
  absl::Mutex mutex_;
  std::string trigger_ ABSL_GUARDED_BY(mutex_);
  std::thread thread_;
};

}  // namespace moderation::testing
