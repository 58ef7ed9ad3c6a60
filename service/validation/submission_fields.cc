#include "service/validation/submission_fields.h"

#include <variant>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "service/common/errors.h"
#include "service/validation/ip.h"
#include "service/validation/phone.h"
#include "service/validation/unicode.h"

namespace moderation::validation {
namespace {

// What readers call each field on the portal's form.
struct FieldLabel {
  absl::string_view field;
  absl::string_view label;
};

constexpr FieldLabel kLabels[] = {
    {"article_id", "Mã bài viết"},
    {"name", "Họ tên"},
    {"phone", "Số điện thoại"},
    {"title", "Tiêu đề"},
    {"body", "Nội dung"},
    {"captcha_id", "Mã xác nhận"},
    {"captcha_answer", "Mã xác nhận"},
    {"client_ip", "Địa chỉ IP"},
    {"user_agent", "Thông tin trình duyệt"},
    {"idempotency_key", "Khóa chống gửi trùng"},
};

absl::string_view LabelOf(absl::string_view field) {
  for (const FieldLabel& entry : kLabels) {
    if (entry.field == field) {
      return entry.label;
    }
  }
  return field;
}

FieldViolation Required(absl::string_view field) {
  return {std::string(field), "REQUIRED", absl::StrCat("Vui lòng nhập ", LabelOf(field), ".")};
}

FieldViolation TooLong(absl::string_view field, std::size_t max, absl::string_view unit) {
  return {std::string(field), "TOO_LONG",
          absl::StrCat(LabelOf(field), " quá dài (tối đa ", max, " ", unit, ").")};
}

FieldViolation InvalidFormat(absl::string_view field) {
  return {std::string(field), "INVALID_FORMAT",
          absl::StrCat(LabelOf(field), " không đúng định dạng.")};
}

FieldViolation InvalidUtf8(absl::string_view field) {
  return {std::string(field), "INVALID_UTF8",
          absl::StrCat(LabelOf(field), " chứa ký tự không hợp lệ (không phải UTF-8).")};
}

// The reader's address (an empty canonical form when absent and not
// required), or why it is refused.
std::variant<ClientAddress, FieldViolation> CheckClientIp(absl::string_view raw, bool required,
                                                          const FieldLimits& limits) {
  if (raw.empty()) {
    if (required) {
      return Required("client_ip");
    }
    return ClientAddress{};
  }
  if (!IsValidUtf8(raw)) {
    return InvalidUtf8("client_ip");
  }
  std::optional<ClientAddress> address = ParseClientAddress(raw);
  if (!address) {
    return InvalidFormat("client_ip");
  }
  if (address->local && !limits.local_client_ip_accepted) {
    return FieldViolation{"client_ip", "LOCAL_ADDRESS",
                          "Địa chỉ IP phải là địa chỉ của người đọc, không phải địa chỉ của "
                          "chính máy chủ (127.0.0.1, ::1, 0.0.0.0)."};
  }
  return *std::move(address);
}

// Collects the violations of one request, in field order.
class Checker {
 public:
  explicit Checker(const FieldLimits& limits) : limits_(limits) {}

  // A free-text field: UTF-8, controls, NFC, length.
  void Text(absl::string_view field, absl::string_view raw, bool required, LineBreaks line_breaks,
            std::size_t max_chars, std::string& out) {
    NormalizedText normalized;
    switch (NormalizeUserText(raw, line_breaks, normalized)) {
      case TextProblem::kInvalidUtf8:
        Add(InvalidUtf8(field));
        return;
      case TextProblem::kControlCharacter:
        Add({std::string(field), "CONTROL_CHARACTER",
             absl::StrCat(LabelOf(field), " chứa ký tự điều khiển không được phép.")});
        return;
      case TextProblem::kNone:
        break;
    }
    // Text nobody could see reads as left empty, whatever it is made of.
    if (normalized.code_points == 0 || (required && !normalized.visible)) {
      if (required) {
        Add(Required(field));
      }
      return;
    }
    if (normalized.code_points > max_chars) {
      Add(TooLong(field, max_chars, "ký tự"));
      return;
    }
    if (normalized.longest_mark_run > limits_.combining_marks_max) {
      Add({std::string(field), "TOO_MANY_COMBINING_MARKS",
           absl::StrCat(LabelOf(field), " chứa quá nhiều dấu chồng lên một ký tự.")});
      return;
    }
    out = std::move(normalized.text);
  }

  // An opaque token: printable ASCII only, bounded in bytes.
  void Token(absl::string_view field, absl::string_view raw, bool required, std::size_t max_bytes,
             std::string& out) {
    if (raw.empty()) {
      if (required) {
        Add(Required(field));
      }
      return;
    }
    if (!IsValidUtf8(raw)) {
      Add(InvalidUtf8(field));
      return;
    }
    if (raw.size() > max_bytes) {
      Add(TooLong(field, max_bytes, "byte"));
      return;
    }
    for (char c : raw) {
      if (c <= 0x20 || c >= 0x7f) {
        Add(InvalidFormat(field));
        return;
      }
    }
    out.assign(raw.data(), raw.size());
  }

  void Add(FieldViolation violation) { violations_.push_back(std::move(violation)); }

  [[nodiscard]] const FieldLimits& limits() const { return limits_; }
  [[nodiscard]] std::vector<FieldViolation> TakeViolations() { return std::move(violations_); }

 private:
  const FieldLimits& limits_;
  std::vector<FieldViolation> violations_;
};

}  // namespace

absl::StatusOr<std::string> ValidateClientIp(absl::string_view raw, bool required,
                                             const FieldLimits& limits) {
  std::variant<ClientAddress, FieldViolation> address = CheckClientIp(raw, required, limits);
  if (std::holds_alternative<FieldViolation>(address)) {
    return InvalidFields({std::get<FieldViolation>(std::move(address))});
  }
  return std::move(std::get<ClientAddress>(address).canonical);
}

bool IsValidArticleId(absl::string_view article_id, std::size_t max_bytes) {
  if (article_id.empty() || article_id.size() > max_bytes) {
    return false;
  }
  for (char c : article_id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != ':' &&
        c != '-') {
      return false;
    }
  }
  return true;
}

absl::StatusOr<ValidSubmission> ValidateSubmission(const RawSubmission& raw,
                                                   const FieldLimits& limits) {
  Checker check(limits);
  ValidSubmission valid;

  if (raw.article_id.empty()) {
    check.Add(Required("article_id"));
  } else if (!IsValidUtf8(raw.article_id)) {
    check.Add(InvalidUtf8("article_id"));
  } else if (raw.article_id.size() > limits.article_id_max_bytes) {
    check.Add(TooLong("article_id", limits.article_id_max_bytes, "byte"));
  } else if (!IsValidArticleId(raw.article_id, limits.article_id_max_bytes)) {
    check.Add(InvalidFormat("article_id"));
  } else {
    valid.article_id = std::string(raw.article_id);
  }

  check.Text("name", raw.name, true, LineBreaks::kRefuse, limits.name_max_chars, valid.name);

  if (!IsValidUtf8(raw.phone)) {
    check.Add(InvalidUtf8("phone"));
  } else if (!absl::StripAsciiWhitespace(raw.phone).empty()) {
    absl::StatusOr<std::string> e164 = NormalizeVietnamesePhone(raw.phone);
    if (e164.ok()) {
      valid.phone_e164 = *std::move(e164);
    } else {
      check.Add({"phone", "PHONE_INVALID",
                 "Số điện thoại không hợp lệ. Vui lòng nhập số điện thoại Việt Nam, "
                 "ví dụ 0912 345 678."});
    }
  }

  check.Text("title", raw.title, true, LineBreaks::kRefuse, limits.title_max_chars, valid.title);
  check.Text("body", raw.body, true, LineBreaks::kAllow, limits.body_max_chars, valid.body);
  check.Token("captcha_id", raw.captcha_id, true, 64, valid.captcha_id);
  check.Token("captcha_answer", absl::StripAsciiWhitespace(raw.captcha_answer), true,
              limits.captcha_answer_max_bytes, valid.captcha_answer);

  if (std::variant<ClientAddress, FieldViolation> address =
          CheckClientIp(raw.client_ip, /*required=*/true, limits);
      std::holds_alternative<ClientAddress>(address)) {
    valid.client_ip = std::move(std::get<ClientAddress>(address).canonical);
    valid.client_network = std::move(std::get<ClientAddress>(address).network);
  } else {
    check.Add(std::get<FieldViolation>(std::move(address)));
  }

  if (raw.user_agent.size() > limits.user_agent_max_bytes) {
    check.Add(TooLong("user_agent", limits.user_agent_max_bytes, "byte"));
  } else {
    check.Text("user_agent", raw.user_agent, false, LineBreaks::kRefuse,
               limits.user_agent_max_bytes, valid.user_agent);
  }
  check.Token("idempotency_key", raw.idempotency_key, false, limits.idempotency_key_max_bytes,
              valid.idempotency_key);
  // Whatever a robot put there, only its presence matters.
  valid.honeypot_filled = !raw.honeypot.empty();

  std::vector<FieldViolation> violations = check.TakeViolations();
  if (!violations.empty()) {
    return InvalidFields(std::move(violations));
  }
  return valid;
}

}  // namespace moderation::validation
