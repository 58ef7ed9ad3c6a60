#include "tests/load/submission_data.h"

#include <charconv>
#include <cstdio>
#include <sstream>
#include <string_view>
#include <system_error>

namespace moderation::loadgen {
namespace {

constexpr std::array<std::string_view, kCallKindCount> kKindNames = {
    "valid", "wrong_captcha", "spam", "rate_limited", "invalid"};

constexpr int kMaxWeight = 1'000'000;

// The reasons SubmitCommentResponse.refusal_reason gives for spam.
constexpr std::array<std::string_view, 4> kSpamReasons = {"SPAM_SUSPECTED", "BANNED_WORD",
                                                          "LINK_NOT_ALLOWED", "DUPLICATE_COMMENT"};

// Articles: the per-article limit allows 100 in a burst and 10 a second, so
// the load is spread over as many articles as a busy news site has open.
constexpr int kArticlesPerSection = 125;
constexpr std::array<std::string_view, 8> kSections = {
    "thoi-su", "the-gioi", "kinh-te", "giai-tri", "the-thao", "phap-luat", "giao-duc", "suc-khoe"};

constexpr std::array<std::string_view, 6> kMobilePrefixes = {"090", "091", "093",
                                                             "096", "097", "098"};

constexpr std::array<std::string_view, 14> kFamilyNames = {"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng",
                                                           "Huỳnh",  "Phan", "Vũ", "Võ",   "Đặng",
                                                           "Bùi",    "Đỗ",   "Hồ", "Ngô"};
constexpr std::array<std::string_view, 12> kMiddleNames = {
    "Văn", "Thị", "Hữu", "Minh", "Thu", "Quốc", "Ngọc", "Thanh", "Đức", "Mỹ", "Xuân", "Hoài"};
constexpr std::array<std::string_view, 32> kGivenNames = {
    "An",     "Bình",  "Châu",  "Dũng", "Duyên", "Giang", "Hà",   "Hải",  "Hạnh", "Hiếu", "Hòa",
    "Hùng",   "Hương", "Khánh", "Lan",  "Linh",  "Long",  "Mai",  "Nam",  "Nga",  "Ngân", "Phúc",
    "Phương", "Quân",  "Sơn",   "Tâm",  "Thảo",  "Trang", "Tuấn", "Uyên", "Việt", "Yến"};

constexpr std::array<std::string_view, 8> kTitles = {
    "Ý kiến về bài viết", "Cảm ơn tác giả", "Góp ý nhỏ",    "Thông tin chưa chính xác",
    "Đồng tình",          "Câu hỏi nhỏ",    "Chia sẻ thêm", "Mong được quan tâm"};

// A valid comment is one sentence from each list, the second naming a place:
// 16 × 32 × 24 × 32 × 16 = 6,291,456 distinct bodies of about 100 bytes.
constexpr std::array<std::string_view, 16> kOpenings = {
    "Bài viết hay.",     "Cảm ơn tác giả.",     "Đọc mà thấy buồn.",  "Thông tin hữu ích.",
    "Rất đồng tình.",    "Tôi chưa đồng ý.",    "Xin góp một ý.",     "Chuyện đáng lo.",
    "Tin vui quá.",      "Mong được giải đáp.", "Đúng là thời sự.",   "Nói thật lòng nhé.",
    "Tôi từng gặp rồi.", "Ai cũng nên đọc.",    "Hơi tiếc một chút.", "Lần đầu biết chuyện này."};
constexpr std::array<std::string_view, 32> kTopics = {"Giá rau tăng mạnh",
                                                      "Đường ngập sau mưa",
                                                      "Học phí lại tăng",
                                                      "Xe buýt đến trễ",
                                                      "Bệnh viện quá tải",
                                                      "Chợ cóc lấn đường",
                                                      "Điện mất liên tục",
                                                      "Nước sinh hoạt đục",
                                                      "Công viên xuống cấp",
                                                      "Trường thiếu giáo viên",
                                                      "Kẹt xe giờ tan tầm",
                                                      "Giá nhà vượt tầm tay",
                                                      "Rác thải chưa thu gom",
                                                      "Đèn đường hỏng lâu",
                                                      "Cầu tạm rất nguy hiểm",
                                                      "Lương không đủ sống",
                                                      "Khói bụi ô nhiễm",
                                                      "Vỉa hè bị chiếm dụng",
                                                      "Thủ tục còn rườm rà",
                                                      "Giá xăng lên xuống",
                                                      "Trẻ em thiếu sân chơi",
                                                      "Nông sản bị ép giá",
                                                      "Dự án chậm tiến độ",
                                                      "Thuốc men khan hiếm",
                                                      "Hàng giả bày bán công khai",
                                                      "Phí gửi xe tăng vọt",
                                                      "Sạt lở bờ sông",
                                                      "Nhà trọ tăng giá thuê",
                                                      "Tàu điện chạy thử",
                                                      "Đội bóng thua đậm",
                                                      "Lễ hội quá đông người",
                                                      "Cây xanh bị chặt hạ"};
constexpr std::array<std::string_view, 24> kPlaces = {
    "ở Hà Nội",   "ở Sài Gòn",   "ở Đà Nẵng",   "ở Huế",        "ở Cần Thơ",  "ở Hải Phòng",
    "ở Nghệ An",  "ở Thanh Hóa", "ở Quảng Nam", "ở Bình Dương", "ở Đồng Nai", "ở Khánh Hòa",
    "ở Lâm Đồng", "ở Gia Lai",   "ở Đắk Lắk",   "ở An Giang",   "ở Cà Mau",   "ở Bắc Ninh",
    "ở Nam Định", "ở Thái Bình", "ở Vĩnh Long", "ở Bến Tre",    "ở Lào Cai",  "ở Quảng Ninh"};
constexpr std::array<std::string_view, 32> kOpinions = {"chính quyền cần vào cuộc sớm.",
                                                        "người dân rất mệt mỏi.",
                                                        "mong có giải pháp lâu dài.",
                                                        "tôi thấy chưa hợp lý.",
                                                        "ai chịu trách nhiệm đây?",
                                                        "cần kiểm tra lại ngay.",
                                                        "phải minh bạch thông tin.",
                                                        "nên lấy ý kiến người dân.",
                                                        "cứ hứa mãi mà chưa làm.",
                                                        "đã kéo dài nhiều năm.",
                                                        "gia đình tôi bị ảnh hưởng.",
                                                        "báo chí phản ánh đúng.",
                                                        "hàng xóm tôi cũng than.",
                                                        "cần xử lý nghiêm sai phạm.",
                                                        "đừng để nước đến chân mới nhảy.",
                                                        "nên học cách làm của nước bạn.",
                                                        "tiền thuế phải dùng đúng chỗ.",
                                                        "người nghèo chịu thiệt nhất.",
                                                        "cần thêm ngân sách cho việc này.",
                                                        "mong lãnh đạo đọc được.",
                                                        "đề nghị công khai kết quả.",
                                                        "giới trẻ rất quan tâm.",
                                                        "tôi sẽ theo dõi tiếp.",
                                                        "thật không thể chấp nhận.",
                                                        "cần tuyên truyền nhiều hơn.",
                                                        "ai cũng thấy mà không ai làm.",
                                                        "nên có đường dây nóng.",
                                                        "người già đi lại khó khăn.",
                                                        "doanh nghiệp cũng khổ.",
                                                        "trẻ con đi học vất vả.",
                                                        "cần người có tâm xử lý.",
                                                        "hy vọng sẽ sớm tốt hơn."};
constexpr std::array<std::string_view, 16> kClosings = {
    "Cảm ơn báo.",   "Trân trọng.",    "Mong hồi âm.",    "Xin cảm ơn.",
    "Buồn thật.",    "Chúc báo vui.",  "Hết ý.",          "Vậy thôi.",
    "Chờ tin tiếp.", "Mong sớm sửa.",  "Thân ái.",        "Cố lên nhé.",
    "Hy vọng vậy.",  "Đáng suy nghĩ.", "Góp ý thế thôi.", "Tôi tin là được."};
constexpr uint64_t kBodyCount =
    kOpenings.size() * kTopics.size() * kPlaces.size() * kOpinions.size() * kClosings.size();
// Coprime with kBodyCount (2^21 × 3): multiplying by it permutes the bodies,
// so that consecutive sequences differ in every sentence.
constexpr uint64_t kBodyStride = 1'000'003;

// Advertising as comment spammers post it: several suspect phrases and a phone
// number to call, which together score above the reject threshold.
constexpr std::array<std::string_view, 4> kSpamTemplates = {
    "Vay tiền nhanh, giải ngân trong ngày, không cần thế chấp, nợ xấu vẫn vay được. Liên hệ ngay "
    "Zalo ",
    "Nhà cái uy tín, cá cược bóng đá, nổ hũ đổi thưởng. Đăng ký ngay, gọi ",
    "Việc làm thêm tại nhà, thu nhập khủng 500k/ngày, inbox ngay hoặc gọi ",
    "Giảm cân cấp tốc, tăng size vòng 1, miễn phí vận chuyển. Liên hệ ngay "};

constexpr char kUserAgent[] =
    "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Mobile Safari/537.36";

// SplitMix64's finaliser: a fixed, well-mixed hash of an index.
uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::string ArticleFor(uint64_t sequence) {
  const uint64_t n = Mix64(sequence) % (kSections.size() * kArticlesPerSection);
  return std::string(kSections[n % kSections.size()]) + "-" +
         std::to_string(n / kSections.size() + 1);
}

// A subscriber number as spammers write it, "0912 345 678", distinct per
// sequence.
std::string SpacedPhone(uint64_t sequence) {
  const uint64_t n = sequence % 10'000'000;
  char text[32];
  std::snprintf(text, sizeof(text), "%s%u %03u %03u",
                std::string(kMobilePrefixes[sequence % kMobilePrefixes.size()]).c_str(),
                static_cast<unsigned>(n / 1'000'000), static_cast<unsigned>(n / 1000 % 1000),
                static_cast<unsigned>(n % 1000));
  return text;
}

}  // namespace

std::string CallKindName(CallKind kind) { return std::string(kKindNames[static_cast<int>(kind)]); }

std::string Expectation(CallKind kind) {
  switch (kind) {
    case CallKind::kValid:
      return "OK PENDING_MODERATION";
    case CallKind::kWrongCaptcha:
      return "INVALID_ARGUMENT captcha_answer=CAPTCHA_WRONG";
    case CallKind::kSpam:
      return "OK REFUSED (a spam reason)";
    case CallKind::kRateLimited:
      return "RESOURCE_EXHAUSTED RATE_LIMITED";
    case CallKind::kInvalid:
      return "INVALID_ARGUMENT (a field other than the captcha)";
  }
  return "";
}

bool MatchesExpectation(CallKind kind, const std::string& outcome) {
  switch (kind) {
    case CallKind::kValid:
    case CallKind::kWrongCaptcha:
    case CallKind::kRateLimited:
      return outcome == Expectation(kind);
    case CallKind::kSpam:
      for (const std::string_view reason : kSpamReasons) {
        if (outcome == "OK REFUSED " + std::string(reason)) {
          return true;
        }
      }
      return false;
    case CallKind::kInvalid:
      return outcome.starts_with("INVALID_ARGUMENT ") &&
             outcome.find("captcha") == std::string::npos;
  }
  return false;
}

int Mix::Total() const {
  int total = 0;
  for (const int weight : weights) {
    total += weight;
  }
  return total;
}

CallKind Mix::KindFor(uint64_t index) const {
  const auto total = static_cast<uint64_t>(Total());
  auto pick = static_cast<int64_t>(Mix64(index) % (total == 0 ? 1 : total));
  for (int i = 0; i < kCallKindCount; ++i) {
    pick -= weights[i];
    if (pick < 0) {
      return static_cast<CallKind>(i);
    }
  }
  return CallKind::kValid;
}

std::string Mix::ToString() const {
  std::string text;
  for (int i = 0; i < kCallKindCount; ++i) {
    if (weights[i] > 0) {
      if (!text.empty()) {
        text += ',';
      }
      text += std::string(kKindNames[i]) + "=" + std::to_string(weights[i]);
    }
  }
  return text;
}

std::optional<Mix> ParseMix(const std::string& text, std::string* error) {
  Mix mix;
  std::array<bool, kCallKindCount> seen{};
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    const size_t equals = item.find('=');
    if (equals == std::string::npos) {
      *error = "\"" + item + "\" is not kind=weight";
      return std::nullopt;
    }
    const std::string name = item.substr(0, equals);
    const std::string number = item.substr(equals + 1);
    int kind = -1;
    for (int i = 0; i < kCallKindCount; ++i) {
      if (name == kKindNames[i]) {
        kind = i;
      }
    }
    if (kind < 0) {
      *error = "unknown kind \"" + name +
               "\" (expected valid, wrong_captcha, spam, rate_limited, invalid)";
      return std::nullopt;
    }
    if (seen[kind]) {
      *error = "\"" + name + "\" given twice";
      return std::nullopt;
    }
    seen[kind] = true;
    int weight = 0;
    const auto [end, parsed] =
        std::from_chars(number.data(), number.data() + number.size(), weight);
    if (parsed != std::errc() || end != number.data() + number.size() || number.empty() ||
        weight < 0 || weight > kMaxWeight) {
      *error = "weight of \"" + name + "\" must be a whole number from 0 to " +
               std::to_string(kMaxWeight) + ", got \"" + number + "\"";
      return std::nullopt;
    }
    mix.weights[kind] = weight;
  }
  if (mix.Total() == 0) {
    *error = "no kind has a weight above 0";
    return std::nullopt;
  }
  return mix;
}

std::string ClientIpFor(uint64_t sequence) {
  char text[32];
  std::snprintf(text, sizeof(text), "10.%u.%u.%u", static_cast<unsigned>(sequence & 0xff),
                static_cast<unsigned>((sequence >> 8) & 0xff),
                static_cast<unsigned>((sequence >> 16) & 0xff));
  return text;
}

std::string PhoneFor(uint64_t sequence) {
  if (sequence % 4 == 3) {
    return "";
  }
  const uint64_t n = sequence - sequence / 4;  // 0, 1, 2, 3 for sequences 0, 1, 2, 4, ...
  char subscriber[16];
  std::snprintf(subscriber, sizeof(subscriber), "%07u", static_cast<unsigned>(n % 10'000'000));
  return std::string(kMobilePrefixes[n / 10'000'000 % kMobilePrefixes.size()]) + subscriber;
}

std::string NameFor(uint64_t sequence) {
  const uint64_t given = sequence % kGivenNames.size();
  const uint64_t middle = sequence / kGivenNames.size() % kMiddleNames.size();
  const uint64_t family =
      sequence / (kGivenNames.size() * kMiddleNames.size()) % kFamilyNames.size();
  return std::string(kFamilyNames[family]) + " " + std::string(kMiddleNames[middle]) + " " +
         std::string(kGivenNames[given]);
}

std::string BodyFor(uint64_t sequence, uint64_t salt) {
  uint64_t n = (sequence + salt) % kBodyCount * kBodyStride % kBodyCount;
  const auto take = [&n](size_t size) {
    const uint64_t digit = n % size;
    n /= size;
    return digit;
  };
  std::string body(kOpenings[take(kOpenings.size())]);
  body += " ";
  body += kTopics[take(kTopics.size())];
  body += " ";
  body += kPlaces[take(kPlaces.size())];
  body += ", ";
  body += kOpinions[take(kOpinions.size())];
  body += " ";
  body += kClosings[take(kClosings.size())];
  return body;
}

void FillSubmission(CallKind kind, uint64_t sequence, const std::string& run_id, uint64_t salt,
                    const std::string& captcha_id, const std::string& captcha_answer,
                    moderation::v1::SubmitCommentRequest* request) {
  request->Clear();
  request->set_article_id(ArticleFor(sequence));
  request->set_name(NameFor(sequence));
  request->set_phone(PhoneFor(sequence));
  request->set_title(std::string(kTitles[sequence % kTitles.size()]));
  request->set_body(BodyFor(sequence, salt));
  request->set_captcha_id(captcha_id);
  request->set_captcha_answer(captcha_answer);
  request->set_client_ip(ClientIpFor(sequence));
  request->set_user_agent(kUserAgent);
  request->set_idempotency_key("lg-" + run_id + "-" + std::to_string(sequence));
  switch (kind) {
    case CallKind::kValid:
      break;
    case CallKind::kWrongCaptcha:
      // '0' is not in the captcha alphabet, so this is never the answer.
      request->set_captcha_answer(
          std::string(captcha_answer.empty() ? 5 : captcha_answer.size(), '0'));
      break;
    case CallKind::kSpam:
      request->set_body(std::string(kSpamTemplates[sequence % kSpamTemplates.size()]) +
                        SpacedPhone(sequence));
      break;
    case CallKind::kRateLimited:
      // No phone, so that only the address's limits are in play.
      request->set_client_ip(kHotClientIp);
      request->set_phone("");
      break;
    case CallKind::kInvalid:
      // One bad field each, in turn: what a broken portal form might send.
      switch (sequence % 3) {
        case 0:
          request->set_phone("0123 45");
          break;
        case 1:
          request->set_article_id("bài viết");
          break;
        default:
          request->set_title("");
          break;
      }
      break;
  }
}

}  // namespace moderation::loadgen
