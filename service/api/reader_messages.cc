#include "service/api/reader_messages.h"

#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "service/ratelimit/rate_limiter.h"

namespace moderation::api {
namespace {

// By reason code. Each text is shown as is; the codes are docs/errors.md's.
const absl::flat_hash_map<absl::string_view, absl::string_view>& ByReason() {
  static const auto* catalog = new absl::flat_hash_map<absl::string_view, absl::string_view>{
      {"INVALID_FIELDS", "Vui lòng kiểm tra lại các thông tin đã nhập."},
      {"CAPTCHA_UNKNOWN", "Mã xác nhận không tồn tại. Vui lòng lấy mã mới."},
      {"CAPTCHA_EXPIRED", "Mã xác nhận đã hết hạn. Vui lòng lấy mã mới."},
      {"CAPTCHA_ALREADY_USED", "Mã xác nhận đã được sử dụng. Vui lòng lấy mã mới."},
      {"CAPTCHA_WRONG", "Mã xác nhận không đúng. Vui lòng nhập mã mới."},
      {"ALTCHA_MALFORMED", "Dữ liệu kiểm tra chống máy tự động không hợp lệ."},
      {"ALTCHA_ALGORITHM_UNSUPPORTED", "Thuật toán kiểm tra chống máy tự động không được hỗ trợ."},
      {"ALTCHA_EXPIRED", "Kiểm tra chống máy tự động đã hết hạn, vui lòng lấy mã xác nhận mới."},
      {"ALTCHA_SIGNATURE_INVALID", "Kiểm tra chống máy tự động không do máy chủ này cấp."},
      {"ALTCHA_SOLUTION_WRONG", "Lời giải kiểm tra chống máy tự động không đúng."},
      {"ALTCHA_ALREADY_USED",
       "Kiểm tra chống máy tự động này đã được dùng, vui lòng lấy mã xác nhận mới."},
      {"IDEMPOTENCY_KEY_REUSED", "Khóa chống gửi trùng đã được dùng cho một bình luận khác."},
      {"UNAUTHENTICATED", "Chưa xác thực: thiếu mã truy cập hoặc mã không đúng."},
      {"PERMISSION_DENIED", "Bạn không có quyền thực hiện thao tác này."},
      {"INVALID_MODERATOR_NAME", "Tên người kiểm duyệt không hợp lệ."},
      {"COMMENT_NOT_FOUND", "Không tìm thấy bình luận."},
      {"COMMENT_NOT_PENDING", "Bình luận này đã được xử lý trước đó."},
      {"UNDO_NOT_ALLOWED", "Không thể hoàn tác quyết định này."},
      {"BAN_NOT_FOUND", "Không tìm thấy lệnh cấm."},
      {"STORAGE_UNAVAILABLE", "Hệ thống đang bận, vui lòng thử lại sau ít phút."},
      {"AUDIT_BUSY", "Hệ thống đang bận, vui lòng thử lại."},
      {"OVERLOADED", "Hệ thống đang quá tải, vui lòng thử lại sau."},
      {"SHUTTING_DOWN", "Hệ thống đang khởi động lại, vui lòng thử lại sau giây lát."},
      {"INTERNAL_ERROR", kInternalError},
  };
  return *catalog;
}

// By field and reason, where a reason's text depends on the field.
const absl::flat_hash_map<absl::string_view, absl::string_view>& ByFieldAndReason() {
  static const auto* catalog = new absl::flat_hash_map<absl::string_view, absl::string_view>{
      {"altcha_payload/REQUIRED", "Thiếu lời giải kiểm tra chống máy tự động."},
  };
  return *catalog;
}

// What each limit counts, where it is not "acting too fast".
const absl::flat_hash_map<absl::string_view, absl::string_view>& ByLimit() {
  static const auto* catalog = new absl::flat_hash_map<absl::string_view, absl::string_view>{
      {"wrong_answer_ip", kTooManyWrongAnswers},
  };
  return *catalog;
}

std::string ForReason(absl::string_view reason) {
  const auto found = ByReason().find(reason);
  return std::string(found != ByReason().end() ? found->second : kInternalError);
}

}  // namespace

std::string TooOftenMessage(absl::string_view limit, int64_t wait_seconds) {
  const auto found = ByLimit().find(limit);
  return absl::StrCat(found != ByLimit().end() ? found->second : kTooOften,
                      " Vui lòng thử lại sau ", wait_seconds, " giây.");
}

std::string ReaderMessageOf(const absl::Status& status) {
  if (const std::optional<ratelimit::LimitRefusal> refusal = ratelimit::LimitRefusalOf(status)) {
    return TooOftenMessage(refusal->limit, refusal->wait_seconds);
  }
  if (std::string carried = VietnameseMessageOf(status); !carried.empty()) {
    return carried;
  }
  if (const std::vector<FieldViolation> violations = FieldViolationsOf(status);
      violations.size() == 1) {
    return ReaderMessageOf(violations.front());
  }
  return ForReason(ReasonOf(status));
}

std::string ReaderMessageOf(const FieldViolation& violation) {
  if (!violation.message.empty()) {
    return violation.message;
  }
  const auto found = ByFieldAndReason().find(absl::StrCat(violation.field, "/", violation.reason));
  return found != ByFieldAndReason().end() ? std::string(found->second)
                                           : ForReason(violation.reason);
}

}  // namespace moderation::api
