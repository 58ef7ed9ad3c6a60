#include "tests/load/submission_data.h"

#include <array>
#include <cstdio>
#include <string_view>

namespace moderation::loadgen {
namespace {

constexpr int kArticleCount = 50;

constexpr std::array<std::string_view, 6> kMobilePrefixes = {"090", "091", "093",
                                                             "096", "097", "098"};

constexpr std::array<std::string_view, 6> kNames = {"Nguyễn Văn An",  "Trần Thị Bích Ngọc",
                                                    "Lê Hoàng Phúc",  "Phạm Thu Hương",
                                                    "Đặng Quốc Việt", "Võ Thị Mỹ Duyên"};

constexpr std::array<std::string_view, 4> kTitles = {"Ý kiến về bài viết", "Cảm ơn tác giả",
                                                     "Góp ý nhỏ", "Thông tin chưa chính xác"};

// Realistic sizes: a one-liner, a paragraph, and a longer multi-line comment
// (line breaks are allowed in the body and exercise the normaliser).
constexpr std::array<std::string_view, 3> kBodies = {
    "Bài viết rất hay, cảm ơn tòa soạn!",
    "Tôi đồng ý với quan điểm của tác giả. Giá nhà ở Hà Nội và Thành phố Hồ Chí Minh "
    "tăng quá nhanh so với thu nhập của người lao động, cần có chính sách hỗ trợ "
    "người mua nhà lần đầu.",
    "Theo tôi, vấn đề ùn tắc giao thông không chỉ do hạ tầng.\n"
    "Ý thức người tham gia giao thông cũng rất quan trọng: vượt đèn đỏ, đi ngược chiều, "
    "đỗ xe trên vỉa hè…\n"
    "Mong các cơ quan chức năng xử lý nghiêm để trả lại vỉa hè cho người đi bộ. "
    "Đường phố sạch đẹp là niềm tự hào của mỗi người dân thủ đô."};

constexpr char kUserAgent[] =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Safari/537.36 moderation-loadgen";

}  // namespace

std::string ClientIpFor(uint64_t sequence) {
  char text[32];
  std::snprintf(text, sizeof(text), "10.%u.%u.%u", static_cast<unsigned>((sequence >> 16) & 0xff),
                static_cast<unsigned>((sequence >> 8) & 0xff),
                static_cast<unsigned>(sequence & 0xff));
  return text;
}

std::string PhoneFor(uint64_t sequence) {
  if (sequence % 2 != 0) {
    return "";
  }
  const uint64_t n = sequence / 2;
  char subscriber[16];
  std::snprintf(subscriber, sizeof(subscriber), "%07u", static_cast<unsigned>(n % 10'000'000));
  std::string phone(kMobilePrefixes[n % kMobilePrefixes.size()]);
  phone += subscriber;
  return phone;
}

void FillSubmission(uint64_t sequence, const std::string& run_id, const std::string& captcha_id,
                    const std::string& captcha_answer,
                    moderation::v1::SubmitCommentRequest* request) {
  request->Clear();
  request->set_article_id("bai-viet-" + std::to_string(sequence % kArticleCount));
  request->set_name(std::string(kNames[sequence % kNames.size()]));
  request->set_phone(PhoneFor(sequence));
  request->set_title(std::string(kTitles[sequence % kTitles.size()]));
  request->set_body(std::string(kBodies[sequence % kBodies.size()]) + " (#" +
                    std::to_string(sequence) + ")");
  request->set_captcha_id(captcha_id);
  request->set_captcha_answer(captcha_answer);
  request->set_client_ip(ClientIpFor(sequence));
  request->set_user_agent(kUserAgent);
  request->set_idempotency_key("lg-" + run_id + "-" + std::to_string(sequence));
}

}  // namespace moderation::loadgen
