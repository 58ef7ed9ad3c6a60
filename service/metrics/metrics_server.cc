#include "service/metrics/metrics_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <charconv>
#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"

namespace moderation::metrics {
namespace {

// Two workers are plenty for a scraper or two; httplib's default is a pool
// sized for a web server.
constexpr std::size_t kWorkerThreads = 2;
constexpr std::chrono::seconds kStartTimeout{5};

// Only SO_REUSEADDR: httplib's default also sets SO_REUSEPORT, with which a
// second process on the same port would bind silently and take half the
// scrapes instead of failing to start.
void SetSocketOptions(socket_t sock) {
  int yes = 1;
  setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
}

}  // namespace

absl::StatusOr<std::pair<std::string, int>> SplitHostPort(const std::string& listen) {
  const std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == listen.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics address \"", listen, "\": expected host:port"));
  }
  std::string host = listen.substr(0, colon);
  if (host.front() == '[' || host.back() == ']') {
    if (host.size() < 3 || host.front() != '[' || host.back() != ']') {
      return absl::InvalidArgumentError(
          absl::StrCat("metrics address \"", listen, "\": unbalanced brackets"));
    }
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "metrics address \"", listen, "\": an IPv6 address needs brackets, [::1]:9464"));
  }
  const std::string port_text = listen.substr(colon + 1);
  int port = -1;
  const char* end = port_text.data() + port_text.size();
  const std::from_chars_result parsed = std::from_chars(port_text.data(), end, port);
  if (parsed.ec != std::errc() || parsed.ptr != end || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics address \"", listen, "\": port must be 0..65535"));
  }
  return std::make_pair(std::move(host), port);
}

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(
    const std::string& listen, const MetricsRegistry& registry) {
  absl::StatusOr<std::pair<std::string, int>> address = SplitHostPort(listen);
  if (!address.ok()) {
    return address.status();
  }
  const auto& [host, requested_port] = *address;

  auto server = std::make_unique<httplib::Server>();
  server->new_task_queue = [] { return new httplib::ThreadPool(kWorkerThreads); };
  server->set_socket_options(SetSocketOptions);
  server->set_keep_alive_timeout(2);
  server->set_read_timeout(5);
  server->set_write_timeout(5);
  server->Get("/metrics", [&registry](const httplib::Request&, httplib::Response& response) {
    response.set_content(registry.Render(), std::string(kExpositionContentType).c_str());
  });
  server->Get("/healthz", [](const httplib::Request&, httplib::Response& response) {
    response.set_content("ok\n", "text/plain; charset=utf-8");
  });

  int port = requested_port;
  if (requested_port == 0) {
    port = server->bind_to_any_port(host);
  } else if (!server->bind_to_port(host, requested_port)) {
    port = -1;
  }
  if (port <= 0) {
    return absl::UnavailableError(absl::StrCat("metrics: cannot listen on ", listen));
  }

  std::unique_ptr<MetricsServer> result(new MetricsServer(std::move(server), port));
  MetricsServer* self = result.get();
  self->thread_ = std::thread([self] {
    self->server_->listen_after_bind();
    self->finished_.store(true);
  });
  // Report a server that is accepting, or why not.
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (!self->server_->is_running()) {
    if (self->finished_.load() || std::chrono::steady_clock::now() > deadline) {
      self->Stop();
      return absl::UnavailableError(absl::StrCat("metrics: server on ", listen, " did not start"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return result;
}

MetricsServer::MetricsServer(std::unique_ptr<httplib::Server> server, int port)
    : server_(std::move(server)), port_(port) {}

MetricsServer::~MetricsServer() { Stop(); }

void MetricsServer::Stop() {
  if (!thread_.joinable()) {
    return;
  }
  // httplib's stop() does nothing until the accept loop has started: repeat it
  // until the loop is over, so that a Stop() right after Start() cannot leave
  // the thread running.
  while (!finished_.load()) {
    server_->stop();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  thread_.join();
}

}  // namespace moderation::metrics
