#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "absl/status/statusor.h"
#include "service/metrics/registry.h"

namespace httplib {
class Server;
}  // namespace httplib

// Serves the registry over HTTP for Prometheus on a thread of its own, apart
// from the gRPC server, so that a scrape never competes with calls for gRPC's
// threads and the metrics stay readable while gRPC is saturated:
//   GET /metrics  the text exposition format
//   GET /healthz  200 "ok" (the process is up; it says nothing about Redis)
namespace moderation::metrics {

class MetricsServer {
 public:
  // Listens on `listen`, "host:port" or "[v6 address]:port"; port 0 picks a
  // free port (see port()). INVALID_ARGUMENT for a malformed address,
  // UNAVAILABLE when it cannot be bound. `registry` must outlive the server,
  // and so must whatever its gauge callbacks use.
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(const std::string& listen,
                                                              const MetricsRegistry& registry);

  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;
  // Stops if still running.
  ~MetricsServer();

  // Closes the listening socket, lets requests in progress finish and joins
  // the thread. Safe to call more than once.
  void Stop();

  // The port bound, useful when asked for port 0.
  int port() const { return port_; }

 private:
  MetricsServer(std::unique_ptr<httplib::Server> server, int port);

  std::unique_ptr<httplib::Server> server_;
  const int port_;
  std::atomic<bool> finished_{false};
  std::thread thread_;
};

// Splits "host:port" or "[v6]:port" (brackets removed). INVALID_ARGUMENT when
// either part is missing or the port is not a number in 0..65535.
absl::StatusOr<std::pair<std::string, int>> SplitHostPort(const std::string& listen);

}  // namespace moderation::metrics
