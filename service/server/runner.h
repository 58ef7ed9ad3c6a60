#pragma once

#include "absl/status/status.h"
#include "service/config/config.h"

namespace moderation::server {

// Builds the whole service from `config` and the environment's secrets,
// serves until SIGTERM or SIGINT, then drains: stops accepting, lets calls in
// flight finish (up to shutdown_grace_seconds), closes Redis. Returns an error
// when the service cannot start. The caller must have blocked SIGTERM, SIGINT
// and SIGHUP in every thread (see SetUpSignals).
[[nodiscard]] absl::Status Run(const config::ServerConfig& config,
                               const config::Environment& environment);

// Blocks the signals Run waits for and ignores SIGPIPE; call first thing in
// main, before any thread starts.
void SetUpSignals();

}  // namespace moderation::server
