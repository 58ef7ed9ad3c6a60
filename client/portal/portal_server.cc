#include "client/portal/portal_server.h"

#include <httplib.h>
#include <openssl/rand.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "client/portal/page.h"
#include "client/portal/proof_of_work.h"
#include "client/portal/reader_address.h"
#include "service/metrics/metrics_server.h"

namespace moderation::portal {
namespace {

constexpr char kPending[] = "Bình luận của bạn đang chờ duyệt.";
constexpr char kCommentsUnavailable[] =
    "Không tải được ý kiến bạn đọc lúc này. Vui lòng tải lại trang sau ít phút.";
// The service's limit on SubmitCommentRequest.user_agent.
constexpr std::size_t kUserAgentMaxBytes = 512;
constexpr std::chrono::seconds kStartTimeout{5};

// Scripts and styles from the portal only; captcha image and sound come
// inline as data: URLs, so no other origin is ever asked for anything.
// worker-src blob: is for the proof-of-work widget, which solves in workers.
constexpr char kContentSecurityPolicy[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'";

struct Reader {
  std::string address;
  std::string user_agent;
};

void SetSocketOptions(socket_t sock) {
  int yes = 1;
  setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
}

std::string NewIdempotencyKey() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    return "";  // the service takes a submission without one
  }
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(bytes), sizeof(bytes)));
}

std::string Param(const httplib::Request& request, const char* name) {
  return request.has_param(name) ? request.get_param_value(name) : "";
}

template <typename CaptchaResponse>
CaptchaView ViewOf(const CaptchaResponse& response) {
  CaptchaView view;
  view.captcha_id = response.captcha_id();
  view.png = response.png();
  view.wav = response.wav();
  view.dev_answer = response.dev_answer();
  // The proof of work plugs in here: the challenge that comes with the
  // captcha goes to the widget as it is.
  view.altcha_challenge_json = AltchaChallengeJson(response);
  return view;
}

std::string PostedTime(const google::protobuf::Timestamp& time) {
  static const absl::TimeZone kVietnam = absl::FixedTimeZone(7 * 60 * 60);
  return absl::FormatTime("%H:%M %d/%m/%Y", absl::FromUnixSeconds(time.seconds()), kVietnam);
}

}  // namespace

absl::StatusOr<std::unique_ptr<PortalServer>> PortalServer::Start(
    PortalOptions options, std::unique_ptr<CommentBackend> backend) {
  absl::StatusOr<std::pair<std::string, int>> address = metrics::SplitHostPort(options.listen);
  if (!address.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("PORTAL_LISTEN=\"", options.listen, "\": expected host:port"));
  }
  std::unique_ptr<PortalServer> server(new PortalServer(std::move(options), std::move(backend)));
  const auto& [host, requested_port] = *address;
  httplib::Server& http = *server->http_;
  int port = requested_port;
  if (requested_port == 0) {
    port = http.bind_to_any_port(host);
  } else if (!http.bind_to_port(host, requested_port)) {
    port = -1;
  }
  if (port <= 0) {
    return absl::UnavailableError(
        absl::StrCat("portal: cannot listen on ", server->options_.listen));
  }
  server->port_ = port;
  PortalServer* self = server.get();
  self->thread_ = std::thread([self] {
    self->http_->listen_after_bind();
    self->finished_.store(true);
  });
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (!self->http_->is_running()) {
    if (self->finished_.load() || std::chrono::steady_clock::now() > deadline) {
      self->Stop();
      return absl::UnavailableError("portal: HTTP server did not start");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return server;
}

PortalServer::PortalServer(PortalOptions options, std::unique_ptr<CommentBackend> backend)
    : options_(std::move(options)),
      backend_(std::move(backend)),
      http_(std::make_unique<httplib::Server>()) {
  const int threads = options_.threads;
  http_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http_->set_socket_options(SetSocketOptions);
  http_->set_payload_max_length(options_.max_form_bytes);
  // Each worker serves one connection at a time: idle keep-alive
  // connections must not hold them long.
  http_->set_keep_alive_timeout(2);
  http_->set_read_timeout(10);
  http_->set_write_timeout(10);
  http_->set_default_headers({{"Content-Security-Policy", kContentSecurityPolicy},
                              {"X-Content-Type-Options", "nosniff"},
                              {"Referrer-Policy", "same-origin"}});
  Routes();
}

PortalServer::~PortalServer() { Stop(); }

void PortalServer::Wait() {
  if (thread_.joinable()) {
    thread_.join();
  }
}

void PortalServer::Stop() {
  while (thread_.joinable() && !finished_.load()) {
    http_->stop();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (thread_.joinable()) {
    thread_.join();
  }
}

void PortalServer::Routes() {
  const auto reader_of = [this](const httplib::Request& request) {
    return Reader{ReaderAddress(request.remote_addr, request.get_header_value("X-Forwarded-For"),
                                options_.trusted_proxies),
                  SanitizedUserAgent(request.get_header_value("User-Agent"), kUserAgentMaxBytes)};
  };

  // A new captcha for the reader, replacing `old_id` when there is one (it is
  // used up either way). On failure the view carries the reason.
  const auto issue_captcha = [this](const Reader& reader, const std::string& old_id, bool audio,
                                    int& retry_after) {
    if (!old_id.empty()) {
      v1::RefreshCaptchaRequest request;
      request.set_captcha_id(old_id);
      request.set_client_ip(reader.address);
      request.set_audio(audio);
      auto refreshed = backend_->RefreshCaptcha(request);
      if (refreshed.ok) {
        return ViewOf(refreshed.response);
      }
      // A malformed old id (the page was tampered with) still gets a captcha.
      if (refreshed.error.http_status != 422) {
        CaptchaView view;
        view.error = refreshed.error.message;
        retry_after = refreshed.error.retry_after_seconds;
        return view;
      }
    }
    v1::CreateCaptchaRequest request;
    request.set_client_ip(reader.address);
    request.set_audio(audio);
    auto created = backend_->CreateCaptcha(request);
    if (created.ok) {
      return ViewOf(created.response);
    }
    CaptchaView view;
    view.error = created.error.message;
    retry_after = created.error.retry_after_seconds;
    return view;
  };

  const auto load_comments = [this](ArticlePage& page) {
    v1::ListApprovedCommentsRequest request;
    request.set_article_id(page.article_id);
    request.set_page_size(options_.page_size);
    request.set_page_token(page.page_token);
    auto listed = backend_->ListApprovedComments(request);
    if (!listed.ok) {
      page.comments_error = listed.error.http_status == 422
                                ? "Trang bình luận này không còn. Mời xem các bình luận mới nhất."
                                : kCommentsUnavailable;
      return;
    }
    for (const v1::PublishedComment& comment : listed.response.comments()) {
      page.comments.push_back(
          {comment.name(), comment.title(), comment.body(), PostedTime(comment.create_time())});
    }
    page.next_page_token = listed.response.next_page_token();
  };

  const auto send_page = [](httplib::Response& response, int status, const ArticlePage& page) {
    response.status = status;
    // Each page holds a one-use captcha: never cached, never shown again by
    // the back button from a cache.
    response.set_header("Cache-Control", "no-store");
    if (page.retry_after_seconds > 0) {
      response.set_header("Retry-After", std::to_string(page.retry_after_seconds));
    }
    response.set_content(RenderArticlePage(page), "text/html; charset=utf-8");
  };

  const auto not_found = [](httplib::Response& response) {
    response.status = 404;
    response.set_content(
        "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Không tìm thấy"
        "</title></head><body><main><h1>Không tìm thấy trang</h1><p><a href=\"/\">Về trang "
        "chủ</a></p></main></body></html>",
        "text/html; charset=utf-8");
  };

  http_->Get("/", [](const httplib::Request&, httplib::Response& response) {
    response.set_redirect(ArticlePath("thoi-su-1"), 303);
  });

  http_->Get("/healthz", [](const httplib::Request&, httplib::Response& response) {
    response.set_content("ok\n", "text/plain; charset=utf-8");
  });

  http_->Get(R"(/bai-viet/([^/]+))", [=, this](const httplib::Request& request,
                                               httplib::Response& response) {
    ArticlePage page;
    page.article_id = request.matches[1];
    if (!IsValidArticleId(page.article_id)) {
      not_found(response);
      return;
    }
    if (Param(request, "da-gui") == "1") {
      page.success = kPending;
    }
    page.page_token = Param(request, "trang");
    page.idempotency_key = NewIdempotencyKey();
    page.captcha = issue_captcha(reader_of(request), "", false, page.retry_after_seconds);
    load_comments(page);
    send_page(response, 200, page);
  });

  http_->Post(R"(/bai-viet/([^/]+)/binh-luan)", [=, this](const httplib::Request& request,
                                                          httplib::Response& response) {
    ArticlePage page;
    page.article_id = request.matches[1];
    if (!IsValidArticleId(page.article_id)) {
      not_found(response);
      return;
    }
    const Reader reader = reader_of(request);
    page.values = {Param(request, "name"), Param(request, "phone"), Param(request, "title"),
                   Param(request, "body")};
    const std::string old_captcha = Param(request, "captcha_id");
    const std::string action = Param(request, "hanh_dong");
    // Without JavaScript, "Lấy lại mã bảo mật" and "Nghe mã" post the form:
    // the page comes back with what was typed and a new code.
    if (action == "lay-lai-ma" || action == "nghe-ma") {
      page.idempotency_key = Param(request, "idempotency_key");
      page.captcha =
          issue_captcha(reader, old_captcha, action == "nghe-ma", page.retry_after_seconds);
      load_comments(page);
      send_page(response, 200, page);
      return;
    }

    v1::SubmitCommentRequest submit;
    submit.set_article_id(page.article_id);
    submit.set_name(page.values.name);
    submit.set_phone(page.values.phone);
    submit.set_title(page.values.title);
    submit.set_body(page.values.body);
    submit.set_captcha_id(old_captcha);
    submit.set_captcha_answer(Param(request, "captcha_answer"));
    submit.set_client_ip(reader.address);
    submit.set_user_agent(reader.user_agent);
    submit.set_idempotency_key(Param(request, "idempotency_key"));
    submit.set_honeypot(Param(request, "website"));
    ForwardProofOfWork(Param(request, "altcha"), submit);
    auto submitted = backend_->SubmitComment(submit);
    int status = 200;
    if (submitted.ok && submitted.response.status() == v1::SUBMISSION_STATUS_PENDING_MODERATION) {
      // Post/redirect/get: reloading the page cannot send the comment again.
      response.set_redirect(absl::StrCat(ArticlePath(page.article_id), "?da-gui=1#gui-binh-luan"),
                            303);
      return;
    }
    if (submitted.ok) {
      // Refused by the content rules (or a banned author): a verdict, shown
      // as the service words it.
      page.notice = submitted.response.message();
      page.idempotency_key = NewIdempotencyKey();
    } else {
      const ReaderError& error = submitted.error;
      status = error.http_status;
      page.notice = error.message;
      page.field_errors = error.field_errors;
      page.retry_after_seconds = error.retry_after_seconds;
      page.idempotency_key =
          error.keep_idempotency_key ? submit.idempotency_key() : NewIdempotencyKey();
    }
    // The code was used up by the attempt: the page comes back with a new one.
    int captcha_retry = 0;
    page.captcha = issue_captcha(reader, old_captcha, false, captcha_retry);
    page.retry_after_seconds = std::max(page.retry_after_seconds, captcha_retry);
    load_comments(page);
    send_page(response, status, page);
  });

  http_->Post(
      "/ma-xac-nhan", [=, this](const httplib::Request& request, httplib::Response& response) {
        int retry_after = 0;
        const CaptchaView captcha = issue_captcha(reader_of(request), Param(request, "captcha_id"),
                                                  Param(request, "audio") == "1", retry_after);
        response.status = captcha.captcha_id.empty() ? (retry_after > 0 ? 429 : 503) : 200;
        response.set_header("Cache-Control", "no-store");
        if (retry_after > 0) {
          response.set_header("Retry-After", std::to_string(retry_after));
        }
        response.set_content(RenderCaptchaJson(captcha, retry_after), "application/json");
      });

  // The most specific mount first: httplib tries them in order.
  const std::string altcha = options_.altcha_dir;
  const std::pair<std::string, std::string> mounts[] = {
      {"/static/altcha-i18n", altcha.empty() ? "" : altcha + "/dist_i18n"},
      {"/static/altcha", altcha.empty() ? "" : altcha + "/dist_external"},
      {"/static", options_.static_dir}};
  for (const auto& [mount, dir] : mounts) {
    if (!dir.empty() && !http_->set_mount_point(mount, dir)) {
      std::cerr << "portal: static directory " << dir << " not found\n";
    }
  }
  http_->set_error_handler([not_found](const httplib::Request&, httplib::Response& response) {
    if (response.status == 404) {
      not_found(response);
    }
  });
}

}  // namespace moderation::portal
