#pragma once

// What the server needs around its gRPC services: library logs routed
// through the JSON logger, health that follows Redis, queue gauges, and the
// transport's limits.

#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/server_builder.h>

#include <cstdint>
#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "service/common/clock.h"
#include "service/config/config.h"
#include "service/metrics/service_metrics.h"
#include "service/storage/redis/redis_client.h"

namespace moderation::server {

// gRPC core and protobuf write their own lines raw to stderr, among them
// values a client chose (newlines and escapes included) and a line per bad
// call. Routed through our logger they are escaped JSON, at one level, at
// most a few a second. Call once, before the server starts.
void RouteLibraryLogsThroughOurs();

// Changes of the Redis connection's serving state, as the client reports
// them on its own thread: it only counts them, so that the client's event
// loop never waits for gRPC.
class ConnectionChanges {
 public:
  void Changed() {
    absl::MutexLock lock(&mutex_);
    ++version_;
  }
  // Waits until a change after `seen`, `Stop`, or `timeout`; returns the
  // latest version.
  uint64_t WaitForChange(uint64_t seen, absl::Duration timeout) {
    absl::MutexLock lock(&mutex_);
    auto changed = [this, seen]()
                       ABSL_SHARED_LOCKS_REQUIRED(mutex_) { return version_ != seen || stopped_; };
    mutex_.AwaitWithTimeout(absl::Condition(&changed), timeout);
    return version_;
  }
  void Stop() {
    absl::MutexLock lock(&mutex_);
    stopped_ = true;
  }
  bool stopped() {
    absl::MutexLock lock(&mutex_);
    return stopped_;
  }

 private:
  absl::Mutex mutex_;
  uint64_t version_ ABSL_GUARDED_BY(mutex_) = 0;
  bool stopped_ ABSL_GUARDED_BY(mutex_) = false;
};

// Keeps the health service in step with the Redis connection: the services
// cannot serve without it. It acts on the client's word at once, both ways;
// the periodic look is only a backstop. Watches from construction until
// destruction (which stops `changes`).
class HealthWatcher {
 public:
  HealthWatcher(grpc::HealthCheckServiceInterface& health, const redis::RedisClient& redis,
                ConnectionChanges& changes);
  ~HealthWatcher();
  HealthWatcher(const HealthWatcher&) = delete;
  HealthWatcher& operator=(const HealthWatcher&) = delete;

 private:
  void Watch();

  grpc::HealthCheckServiceInterface& health_;
  const redis::RedisClient& redis_;
  ConnectionChanges& changes_;
  std::thread thread_;
};

// Calls `task` every `interval` on a thread of its own, from construction
// until destruction.
class Periodic {
 public:
  Periodic(absl::Duration interval, std::function<void()> task);
  ~Periodic();
  Periodic(const Periodic&) = delete;
  Periodic& operator=(const Periodic&) = delete;

 private:
  absl::Mutex mutex_;
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  std::thread thread_;
};

// Reads the queue gauges from Redis at scrape time (on the metrics thread,
// never a gRPC one), giving up after a short wait.
void WatchQueue(metrics::ServiceMetrics& service_metrics, redis::RedisClient& redis,
                const Clock& clock);

// What a connection may cost the server, whatever its client does (see
// docs/security.md, "Transport limits").
void ApplyTransportLimits(const config::TransportSettings& transport, grpc::ServerBuilder& builder);

}  // namespace moderation::server
