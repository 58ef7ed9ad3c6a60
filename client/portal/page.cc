#include "client/portal/page.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace moderation::portal {
namespace {

// The reference page's stand-in for the portal's article store.
struct Article {
  absl::string_view id;
  absl::string_view title;
  absl::string_view lead;
  absl::string_view text;
};

constexpr Article kArticles[] = {
    {"thoi-su-1", "Người dân góp ý dự thảo quy định về đường liên xã",
     "Sở Giao thông vận tải lấy ý kiến người dân về việc nâng cấp các tuyến đường liên xã trong "
     "năm tới.",
     "Theo dự thảo, các tuyến đường xuống cấp sẽ được ưu tiên sửa chữa trước mùa mưa. Người dân "
     "có thể gửi góp ý qua mục bình luận dưới bài viết; mọi bình luận đều được ban biên tập duyệt "
     "trước khi đăng."},
};

constexpr Article kAnyArticle = {
    "", "Bài viết", "Nội dung bài viết.",
    "Bạn đọc có thể gửi ý kiến qua mục bình luận dưới bài viết; mọi bình luận đều được ban biên "
    "tập duyệt trước khi đăng."};

const Article& ArticleOf(absl::string_view id) {
  for (const Article& article : kArticles) {
    if (article.id == id) {
      return article;
    }
  }
  return kAnyArticle;
}

std::string UrlEncode(absl::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (absl::ascii_isalnum(byte) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xf]);
    }
  }
  return out;
}

std::string DataUrl(absl::string_view mime, absl::string_view bytes) {
  return absl::StrCat("data:", mime, ";base64,", absl::Base64Escape(bytes));
}

// One labelled field with its error slot. The error is tied to the control
// (aria-describedby, aria-invalid) so that screen readers read it with it.
struct Field {
  absl::string_view name;
  absl::string_view label;
  absl::string_view autocomplete;
  absl::string_view input_type;  // "textarea" for the body
  bool required;
  int max_chars;
};

void AppendError(std::string& html, absl::string_view field, const ArticlePage& page) {
  const auto error = page.field_errors.find(std::string(field));
  absl::StrAppend(&html, "<p class=\"field-error\" id=\"", field, "-loi\"",
                  error == page.field_errors.end() ? " hidden>" : ">",
                  error == page.field_errors.end() ? "" : HtmlEscape(error->second), "</p>\n");
}

std::string ErrorAttributes(absl::string_view field, const ArticlePage& page) {
  if (!page.field_errors.contains(std::string(field))) {
    return "";
  }
  return absl::StrCat(" aria-invalid=\"true\" aria-describedby=\"", field, "-loi\"");
}

void AppendField(std::string& html, const Field& field, const std::string& value,
                 const ArticlePage& page) {
  absl::StrAppend(&html, "<div class=\"field\">\n<label for=\"", field.name, "\">", field.label,
                  "</label>\n");
  const std::string common =
      absl::StrCat("id=\"", field.name, "\" name=\"", field.name, "\" maxlength=\"",
                   field.max_chars, "\"", field.required ? " required" : "", " autocomplete=\"",
                   field.autocomplete, "\"", ErrorAttributes(field.name, page));
  if (field.input_type == "textarea") {
    absl::StrAppend(&html, "<textarea ", common, " rows=\"6\">", HtmlEscape(value),
                    "</textarea>\n");
  } else {
    absl::StrAppend(&html, "<input type=\"", field.input_type, "\" ", common, " value=\"",
                    HtmlEscape(value), "\">\n");
  }
  AppendError(html, field.name, page);
  html += "</div>\n";
}

void AppendCaptcha(std::string& html, const ArticlePage& page) {
  const CaptchaView& captcha = page.captcha;
  html += "<div class=\"field captcha\">\n<label for=\"captcha_answer\">Mã xác nhận</label>\n";
  absl::StrAppend(&html,
                  "<input type=\"text\" id=\"captcha_answer\" name=\"captcha_answer\" "
                  "maxlength=\"16\" required autocomplete=\"off\" autocapitalize=\"characters\" "
                  "spellcheck=\"false\"",
                  ErrorAttributes("captcha_answer", page), ">\n");
  absl::StrAppend(&html, "<input type=\"hidden\" id=\"captcha_id\" name=\"captcha_id\" value=\"",
                  HtmlEscape(captcha.captcha_id), "\">\n");
  // The image's text alternative says what it is and where the spoken code
  // is, never the code itself.
  absl::StrAppend(
      &html, "<img id=\"captcha-image\" width=\"200\" height=\"70\" alt=\"",
      "Mã xác nhận dạng hình ảnh. Nếu không đọc được, hãy chọn “Nghe mã” hoặc “Lấy lại mã bảo "
      "mật”.\"",
      captcha.png.empty() ? " hidden"
                          : absl::StrCat(" src=\"", DataUrl("image/png", captcha.png), "\""),
      captcha.dev_answer.empty()
          ? ""
          : absl::StrCat(" data-dev-answer=\"", HtmlEscape(captcha.dev_answer), "\""),
      ">\n");
  html +=
      "<button type=\"submit\" class=\"link\" id=\"captcha-refresh\" name=\"hanh_dong\" "
      "value=\"lay-lai-ma\" formnovalidate>Lấy lại mã bảo mật</button>\n"
      "<button type=\"submit\" class=\"link\" id=\"captcha-audio\" name=\"hanh_dong\" "
      "value=\"nghe-ma\" formnovalidate>Nghe mã</button>\n";
  absl::StrAppend(&html, "<audio id=\"captcha-audio-player\" controls preload=\"auto\"",
                  captcha.wav.empty()
                      ? " hidden"
                      : absl::StrCat(" src=\"", DataUrl("audio/wav", captcha.wav), "\""),
                  ">Trình duyệt của bạn không phát được âm thanh.</audio>\n");
  absl::StrAppend(&html, "<p class=\"field-error\" id=\"captcha-status\" role=\"status\">",
                  HtmlEscape(captcha.error), "</p>\n");
  AppendError(html, "captcha_answer", page);
  html += "</div>\n";
  if (!captcha.altcha_challenge_json.empty()) {
    // The proof of work: the widget solves the challenge in the browser and
    // puts its payload in the form field "altcha", which the portal forwards
    // as SubmitCommentRequest.altcha_payload.
    // It starts when the reader first focuses the form (`auto="onfocus"`), so
    // that the work is done by the time the comment is written, and readers
    // who only read spend nothing. No logo: a link hidden from screen readers
    // but reachable by Tab. Without JavaScript there is no proof of
    // work, and the service refuses the comment: the page says so beforehand.
    absl::StrAppend(&html,
                    "<div class=\"field\">\n<altcha-widget name=\"altcha\" hidefooter hidelogo "
                    "auto=\"onfocus\" language=\"vi\" workerurl=\"/static/altcha/worker.js\" "
                    "challengejson=\"",
                    HtmlEscape(captcha.altcha_challenge_json),
                    "\"></altcha-widget>\n<noscript><p class=\"notice\" id=\"can-javascript\">"
                    "Để chống gửi tự động, trang cần JavaScript để trình duyệt làm một phép "
                    "kiểm tra trước khi gửi. Vui lòng bật JavaScript rồi tải lại trang."
                    "</p></noscript>\n");
    AppendError(html, "altcha", page);
    html += "</div>\n";
  }
}

void AppendComments(std::string& html, const ArticlePage& page) {
  html +=
      "<section aria-labelledby=\"binh-luan-tieu-de\" id=\"binh-luan\">\n"
      "<h2 id=\"binh-luan-tieu-de\">Ý kiến bạn đọc</h2>\n";
  if (!page.comments_error.empty()) {
    absl::StrAppend(&html, "<p class=\"notice error\">", HtmlEscape(page.comments_error), "</p>\n");
  } else if (page.comments.empty()) {
    html += "<p>Chưa có bình luận nào được duyệt.</p>\n";
  } else {
    html += "<ol class=\"comments\">\n";
    for (const CommentView& comment : page.comments) {
      absl::StrAppend(&html, "<li class=\"comment\"><article>\n<h3>", HtmlEscape(comment.title),
                      "</h3>\n<p class=\"meta\"><span class=\"author\">", HtmlEscape(comment.name),
                      "</span> · <span class=\"time\">", HtmlEscape(comment.posted),
                      "</span></p>\n<p class=\"body\">", HtmlEscape(comment.body),
                      "</p>\n</article></li>\n");
    }
    html += "</ol>\n";
  }
  const std::string path = ArticlePath(page.article_id);
  if (!page.page_token.empty() || !page.next_page_token.empty()) {
    html += "<nav aria-label=\"Trang bình luận\" class=\"pages\">\n";
    if (!page.page_token.empty()) {
      absl::StrAppend(&html, "<a href=\"", path, "#binh-luan\">Bình luận mới nhất</a>\n");
    }
    if (!page.next_page_token.empty()) {
      absl::StrAppend(&html, "<a id=\"trang-sau\" href=\"", path,
                      "?trang=", UrlEncode(page.next_page_token),
                      "#binh-luan\">Xem thêm bình luận</a>\n");
    }
    html += "</nav>\n";
  }
  html += "</section>\n";
}

}  // namespace

std::string HtmlEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string JsonString(absl::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (byte < 0x20) {
      absl::StrAppend(&out, "\\u00", absl::string_view(&"0123456789abcdef"[byte >> 4], 1),
                      absl::string_view(&"0123456789abcdef"[byte & 0xf], 1));
    } else if (c == '<') {
      out += "\\u003c";  // never "</script>" in a page
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

bool IsValidArticleId(absl::string_view article_id) {
  if (article_id.empty() || article_id.size() > 64) {
    return false;
  }
  for (const char c : article_id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != ':' &&
        c != '-') {
      return false;
    }
  }
  return true;
}

std::string ArticlePath(absl::string_view article_id) {
  return absl::StrCat("/bai-viet/", UrlEncode(article_id));
}

std::string RenderCaptchaJson(const CaptchaView& captcha, int retry_after_seconds) {
  return absl::StrCat(
      "{\"captcha_id\":", JsonString(captcha.captcha_id),
      ",\"image\":", JsonString(captcha.png.empty() ? "" : DataUrl("image/png", captcha.png)),
      ",\"audio\":", JsonString(captcha.wav.empty() ? "" : DataUrl("audio/wav", captcha.wav)),
      ",\"dev_answer\":", JsonString(captcha.dev_answer),
      ",\"altcha\":", JsonString(captcha.altcha_challenge_json),
      ",\"error\":", JsonString(captcha.error), ",\"retry_after\":", retry_after_seconds, "}");
}

std::string RenderArticlePage(const ArticlePage& page) {
  const Article& article = ArticleOf(page.article_id);
  const std::string path = ArticlePath(page.article_id);
  std::string html;
  html.reserve(16384 + page.captcha.png.size() * 2 + page.captcha.wav.size() * 2);
  absl::StrAppend(&html,
                  "<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\">\n"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                  "<title>",
                  HtmlEscape(article.title),
                  "</title>\n<link rel=\"stylesheet\" href=\"/static/portal.css\">\n"
                  "<script src=\"/static/portal.js\" defer></script>\n");
  if (!page.captcha.altcha_challenge_json.empty()) {
    // The widget's build with external styles and worker, which the page's
    // Content-Security-Policy allows; its Vietnamese texts load first.
    html +=
        "<link rel=\"stylesheet\" href=\"/static/altcha/altcha.css\">\n"
        "<script src=\"/static/altcha-i18n/vi.js\" type=\"module\"></script>\n"
        "<script src=\"/static/altcha/altcha.js\" type=\"module\"></script>\n";
  }
  absl::StrAppend(&html, "</head>\n<body>\n<main>\n<article class=\"story\">\n<h1>",
                  HtmlEscape(article.title), "</h1>\n<p class=\"lead\">", HtmlEscape(article.lead),
                  "</p>\n<p>", HtmlEscape(article.text), "</p>\n</article>\n");

  absl::StrAppend(&html,
                  "<section aria-labelledby=\"gui-binh-luan\" class=\"comment-form\">\n"
                  "<h2 id=\"gui-binh-luan\">Gửi bình luận</h2>\n");
  if (!page.success.empty()) {
    absl::StrAppend(&html,
                    "<p id=\"thong-bao-thanh-cong\" class=\"notice success\" role=\"status\">",
                    HtmlEscape(page.success), "</p>\n");
  }
  // Field errors also get a line at the top, announced by screen readers,
  // since the page comes back scrolled to the form's heading.
  const std::string notice =
      !page.notice.empty() || page.field_errors.empty()
          ? page.notice
          : "Bình luận chưa được gửi. Vui lòng sửa các mục được đánh dấu bên dưới.";
  if (!notice.empty()) {
    absl::StrAppend(&html, "<p id=\"thong-bao-loi\" class=\"notice error\" role=\"alert\">",
                    HtmlEscape(notice), "</p>\n");
  }
  absl::StrAppend(&html, "<form id=\"binh-luan-form\" method=\"post\" action=\"", path,
                  "/binh-luan#gui-binh-luan\" novalidate data-retry-after=\"",
                  page.retry_after_seconds, "\">\n");
  html += "<p class=\"hint\">Các mục đánh dấu (*) là bắt buộc.</p>\n";
  AppendField(html, {"name", "Họ tên (*)", "name", "text", true, 100}, page.values.name, page);
  AppendField(html, {"phone", "Số điện thoại", "tel", "tel", false, 20}, page.values.phone, page);
  AppendField(html, {"title", "Tiêu đề (*)", "off", "text", true, 200}, page.values.title, page);
  AppendField(html, {"body", "Nội dung (*)", "off", "textarea", true, 5000}, page.values.body,
              page);
  // A trap for bots that fill in every field; people never see it.
  html +=
      "<div class=\"trap\"><label for=\"website\">Website</label>"
      "<input type=\"text\" id=\"website\" name=\"website\" tabindex=\"-1\" "
      "autocomplete=\"off\"></div>\n";
  AppendCaptcha(html, page);
  absl::StrAppend(&html, "<input type=\"hidden\" name=\"idempotency_key\" value=\"",
                  HtmlEscape(page.idempotency_key), "\">\n");
  html +=
      "<p id=\"cho-gui\" class=\"hint\" role=\"status\"></p>\n"
      "<button type=\"submit\" id=\"gui\" name=\"hanh_dong\" value=\"gui\">Gửi bình luận</button>\n"
      "</form>\n</section>\n";
  AppendComments(html, page);
  html += "</main>\n</body>\n</html>\n";
  return html;
}

}  // namespace moderation::portal
