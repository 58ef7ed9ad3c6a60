#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace moderation::portal {

// What the reader typed, kept across an error.
struct FormValues {
  std::string name;
  std::string phone;
  std::string title;
  std::string body;
};

// A captcha as the page shows it.
struct CaptchaView {
  std::string captcha_id;
  std::string png;  // raw PNG bytes; empty when none could be issued
  std::string wav;  // raw WAV bytes, when the reader asked to hear the code
  // Set only by a server in development reveal mode: written into the page
  // (data-dev-answer) so that browser tests can type it.
  std::string dev_answer;
  // The proof-of-work challenge as the ALTCHA widget takes it (JSON); empty
  // while the service does not ask for one, and the widget is not rendered.
  std::string altcha_challenge_json;
  // Why no captcha could be issued (Vietnamese), when png is empty.
  std::string error;
};

// An approved comment as listed under the article.
struct CommentView {
  std::string name;
  std::string title;
  std::string body;
  std::string posted;  // display time, Vietnam time
};

// Everything the article page shows.
struct ArticlePage {
  std::string article_id;
  FormValues values;
  // Form field name to its error, shown next to the field.
  std::map<std::string, std::string> field_errors;
  std::string notice;   // an error about the form as a whole
  std::string success;  // "Bình luận của bạn đang chờ duyệt."
  int retry_after_seconds = 0;
  CaptchaView captcha;
  std::string idempotency_key;
  std::vector<CommentView> comments;
  std::string comments_error;
  std::string page_token;       // the page of comments shown ("" = first)
  std::string next_page_token;  // "" = last page
};

// The article page: the article, the comment form, the approved comments.
// Everything the reader or the service wrote is HTML-escaped.
[[nodiscard]] std::string RenderArticlePage(const ArticlePage& page);

// The captcha as the page's script receives it after "Lấy lại mã bảo mật" or
// "Nghe mã": {captcha_id, image, audio, dev_answer, altcha, error,
// retry_after} with data: URLs.
[[nodiscard]] std::string RenderCaptchaJson(const CaptchaView& captcha, int retry_after_seconds);

// HTML text and attribute escaping.
[[nodiscard]] std::string HtmlEscape(absl::string_view text);
// A JSON string literal, quotes included.
[[nodiscard]] std::string JsonString(absl::string_view text);
// The URL path of an article's page.
[[nodiscard]] std::string ArticlePath(absl::string_view article_id);
// Whether `article_id` is one the service takes: 1-64 of [A-Za-z0-9._:-].
[[nodiscard]] bool IsValidArticleId(absl::string_view article_id);

}  // namespace moderation::portal
