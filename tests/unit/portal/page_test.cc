#include "client/portal/page.h"

#include <gtest/gtest.h>

namespace moderation::portal {
namespace {

ArticlePage PageWithError() {
  ArticlePage page;
  page.article_id = "thoi-su-1";
  page.values = {"<b>An</b>", "", "\"Tiêu đề\"", "a & b"};
  page.field_errors["name"] = "Vui lòng nhập Họ tên.";
  page.captcha.captcha_id = "c1";
  page.captcha.png = "PNG";
  return page;
}

TEST(RenderArticlePageTest, EscapesWhatReadersTyped) {
  const std::string html = RenderArticlePage(PageWithError());
  EXPECT_EQ(html.find("<b>An</b>"), std::string::npos);
  EXPECT_NE(html.find("value=\"&lt;b&gt;An&lt;/b&gt;\""), std::string::npos);
  EXPECT_NE(html.find("value=\"&quot;Tiêu đề&quot;\""), std::string::npos);
  EXPECT_NE(html.find(">a &amp; b</textarea>"), std::string::npos);
}

TEST(RenderArticlePageTest, TiesTheErrorToItsField) {
  const std::string html = RenderArticlePage(PageWithError());
  EXPECT_NE(html.find("<html lang=\"vi\">"), std::string::npos);
  EXPECT_NE(html.find("<label for=\"name\">Họ tên (*)</label>"), std::string::npos);
  EXPECT_NE(html.find("id=\"name\" name=\"name\" maxlength=\"100\" required autocomplete=\"name\" "
                      "aria-invalid=\"true\" aria-describedby=\"name-loi\""),
            std::string::npos);
  EXPECT_NE(html.find("<p class=\"field-error\" id=\"name-loi\">Vui lòng nhập Họ tên.</p>"),
            std::string::npos);
  EXPECT_NE(html.find("<p class=\"field-error\" id=\"phone-loi\" hidden></p>"), std::string::npos);
}

TEST(RenderArticlePageTest, CaptchaInlineWithoutTheAnswerUnlessRevealed) {
  ArticlePage page = PageWithError();
  std::string html = RenderArticlePage(page);
  EXPECT_NE(html.find("src=\"data:image/png;base64,UE5H\""), std::string::npos);
  EXPECT_EQ(html.find("data-dev-answer"), std::string::npos);
  EXPECT_EQ(html.find("altcha-widget"), std::string::npos);
  page.captcha.dev_answer = "K7QPX";
  html = RenderArticlePage(page);
  EXPECT_NE(html.find("data-dev-answer=\"K7QPX\""), std::string::npos);
}

TEST(RenderArticlePageTest, ProofOfWorkWidgetOnlyWithAChallenge) {
  ArticlePage page = PageWithError();
  page.captcha.altcha_challenge_json = R"({"algorithm":"SHA-256"})";
  const std::string html = RenderArticlePage(page);
  EXPECT_NE(html.find("<altcha-widget name=\"altcha\" hidefooter hidelogo auto=\"onfocus\" "
                      "language=\"vi\" workerurl=\"/static/altcha/worker.js\" "
                      "challengejson=\"{&quot;algorithm&quot;:&quot;SHA-256&quot;}\">"),
            std::string::npos);
  EXPECT_NE(html.find("<script src=\"/static/altcha/altcha.js\" type=\"module\">"),
            std::string::npos);
  // Without JavaScript no proof of work is possible: the reader is told first.
  EXPECT_NE(html.find("<noscript><p class=\"notice\" id=\"can-javascript\">"), std::string::npos);
}

TEST(RenderArticlePageTest, NextPageLinkCarriesTheTokenEncoded) {
  ArticlePage page = PageWithError();
  page.next_page_token = "a+b/c=";
  const std::string html = RenderArticlePage(page);
  EXPECT_NE(html.find("href=\"/bai-viet/thoi-su-1?trang=a%2Bb%2Fc%3D#binh-luan\""),
            std::string::npos);
}

TEST(RenderCaptchaJsonTest, DataUrlsAndEscapedText) {
  CaptchaView captcha;
  captcha.captcha_id = "c\"1";
  captcha.wav = "RIFF";
  captcha.error = "</script>";
  EXPECT_EQ(
      RenderCaptchaJson(captcha, 5),
      "{\"captcha_id\":\"c\\\"1\",\"image\":\"\",\"audio\":\"data:audio/wav;base64,UklGRg==\","
      "\"dev_answer\":\"\",\"altcha\":\"\",\"error\":\"\\u003c/script>\",\"retry_after\":5}");
}

TEST(IsValidArticleIdTest, TheServicesFormat) {
  EXPECT_TRUE(IsValidArticleId("thoi-su-1"));
  EXPECT_TRUE(IsValidArticleId("a.b_c:d"));
  EXPECT_FALSE(IsValidArticleId(""));
  EXPECT_FALSE(IsValidArticleId(std::string(65, 'a')));
  EXPECT_FALSE(IsValidArticleId("a/b"));
  EXPECT_FALSE(IsValidArticleId("thời-sự"));
}

}  // namespace
}  // namespace moderation::portal
