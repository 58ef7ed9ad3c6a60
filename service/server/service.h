#pragma once

#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "service/config/config.h"

namespace moderation::server {

// The whole service: every component built from the settings, the gRPC
// server in front of them, and the work that runs beside the calls
// (retention sweeps, the learned filter, metrics, the stall watchdog).
//
// Create builds the parts (nothing listens yet); Serve starts listening and
// the background work; Reload re-reads the files an operator may change;
// Shutdown drains and stops. Signals and file watching are the caller's
// (see Run in runner.h).
class Service {
 public:
  // Builds every part from `config` and the environment's secrets. An error
  // names what cannot be built (a bad file, a missing secret, a setting the
  // deployment does not allow).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Service>> Create(
      const config::ServerConfig& config, const config::Environment& environment);

  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;
  // Stops whatever is still running, without a grace period.
  ~Service();

  // Listens on `listen` and starts the background work. UNAVAILABLE when the
  // address cannot be bound.
  [[nodiscard]] absl::Status Serve();

  // The port the server listens on, once Serve has succeeded.
  [[nodiscard]] int port() const;

  // Re-reads the spam rules, the tokens and the TLS certificate. Calls in
  // flight finish with what they started with; a bad file changes nothing and
  // is logged. `trigger` says why, for the log.
  void Reload(absl::string_view trigger);

  // Health turns NOT_SERVING, new calls are refused with UNAVAILABLE, calls in
  // flight may finish until `grace` has passed (then they are cancelled), and
  // everything stops. Idempotent.
  void Shutdown(absl::Duration grace);

 private:
  class Parts;
  explicit Service(std::unique_ptr<Parts> parts);

  std::unique_ptr<Parts> parts_;
};

}  // namespace moderation::server
