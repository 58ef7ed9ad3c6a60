#pragma once

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "client/portal/comment_backend.h"
#include "client/portal/portal_server.h"

namespace moderation::portal {

struct PortalConfig {
  PortalOptions portal;
  BackendOptions backend;
};

// Reads the portal's settings from the environment (`lookup` returns a
// variable's value, nullopt when unset):
//   PORTAL_LISTEN            127.0.0.1:8080
//   PORTAL_SERVER            127.0.0.1:50051, the moderation service
//   PORTAL_TOKEN / PORTAL_TOKEN_FILE   the portal-role bearer token
//   PORTAL_TLS=1, PORTAL_TLS_CA, PORTAL_TLS_CERT, PORTAL_TLS_KEY, PORTAL_TLS_SERVER_NAME
//   PORTAL_TRUSTED_PROXIES   comma-separated addresses whose X-Forwarded-For is believed
//   PORTAL_PAGE_SIZE         10 (1-100)
//   PORTAL_DEADLINE_MS       3000 (per call to the service)
//   PORTAL_THREADS           8
//   PORTAL_STATIC_DIR        the static files (default: client/portal/static of the source)
//   PORTAL_ALTCHA_DIR        the altcha npm package (client/portal/install-widget.sh)
// INVALID_ARGUMENT naming the variable for a bad value.
[[nodiscard]] absl::StatusOr<PortalConfig> ConfigFromEnvironment(
    const std::function<std::optional<std::string>(const char*)>& lookup,
    const std::string& default_static_dir);

}  // namespace moderation::portal
