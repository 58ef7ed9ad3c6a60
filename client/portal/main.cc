// moderation-portal: the reference portal page (see docs/portal.md).
#include <signal.h>

#include <cstdlib>
#include <iostream>

#include "client/portal/portal_config.h"
#include "client/portal/portal_server.h"

int main() {
  using namespace moderation::portal;
  absl::StatusOr<PortalConfig> config = ConfigFromEnvironment(
      [](const char* name) -> std::optional<std::string> {
        const char* value = std::getenv(name);
        return value == nullptr ? std::nullopt : std::optional<std::string>(value);
      },
      MODERATION_PORTAL_STATIC_DIR);
  if (!config.ok()) {
    std::cerr << "moderation-portal: " << config.status().message() << "\n";
    return 2;
  }
  absl::StatusOr<std::unique_ptr<CommentBackend>> backend =
      CommentBackend::Connect(config->backend);
  if (!backend.ok()) {
    std::cerr << "moderation-portal: " << backend.status().message() << "\n";
    return 2;
  }
  // SIGINT and SIGTERM are taken by a thread of their own, which stops the
  // HTTP server; calls in progress finish first.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  absl::StatusOr<std::unique_ptr<PortalServer>> server =
      PortalServer::Start(config->portal, *std::move(backend));
  if (!server.ok()) {
    std::cerr << "moderation-portal: " << server.status().message() << "\n";
    return 1;
  }
  std::cout << "moderation-portal: http://"
            << config->portal.listen.substr(0, config->portal.listen.rfind(':')) << ":"
            << (*server)->port() << "/ -> " << config->backend.server << std::endl;
  int received = 0;
  sigwait(&signals, &received);
  (*server)->Stop();
  return 0;
}
