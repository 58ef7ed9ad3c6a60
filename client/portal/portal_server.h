#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "client/portal/comment_backend.h"

namespace httplib {
class Server;
}

namespace moderation::portal {

struct PortalOptions {
  std::string listen = "127.0.0.1:8080";  // host:port; port 0 picks a free one
  // Proxies whose X-Forwarded-For is believed (exact addresses); empty: the
  // socket's peer is the reader.
  std::vector<std::string> trusted_proxies;
  int page_size = 10;      // approved comments per page
  std::string static_dir;  // portal.js, portal.css
  // The `altcha` npm package's folder (client/portal/install-widget.sh): its
  // dist_external/ is served as /static/altcha/, dist_i18n/ as
  // /static/altcha-i18n/. Empty: no widget files.
  std::string altcha_dir;
  int threads = 8;  // HTTP workers; each holds one call to the service at a time
  // A full form: 5,000 characters of Vietnamese text, percent-encoded, and
  // the rest.
  std::size_t max_form_bytes = 128 * 1024;
};

// The reference portal's article page over HTTP:
//   GET  /bai-viet/{id}             the article, the form, the approved comments
//                                   (?trang=<token> for older ones)
//   POST /bai-viet/{id}/binh-luan   the form: sends the comment, or, without
//                                   JavaScript, "Lấy lại mã bảo mật" / "Nghe mã"
//   POST /ma-xac-nhan               a new captcha as JSON, for the page's script
//   GET  /static/...                portal.js, portal.css, the ALTCHA widget
//   GET  /healthz
class PortalServer {
 public:
  // UNAVAILABLE when it cannot listen.
  static absl::StatusOr<std::unique_ptr<PortalServer>> Start(
      PortalOptions options, std::unique_ptr<CommentBackend> backend);
  ~PortalServer();
  PortalServer(const PortalServer&) = delete;
  PortalServer& operator=(const PortalServer&) = delete;

  [[nodiscard]] int port() const { return port_; }
  // Blocks until Stop() is called from another thread or a signal handler's
  // helper; returns at once if the server already stopped.
  void Wait();
  void Stop();

 private:
  PortalServer(PortalOptions options, std::unique_ptr<CommentBackend> backend);
  void Routes();

  PortalOptions options_;
  std::unique_ptr<CommentBackend> backend_;
  std::unique_ptr<httplib::Server> http_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> finished_{false};
};

}  // namespace moderation::portal
