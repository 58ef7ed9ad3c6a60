#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "service/common/errors.h"

// What readers (and moderators) are told, in Vietnamese, for the reason codes
// that domain and storage code return without a text of their own: the one
// place those sentences are written.
namespace moderation::api {

// A limit's refusal opens with what the reader did too often.
inline constexpr absl::string_view kTooOften = "Bạn thao tác quá nhanh.";
inline constexpr absl::string_view kTooManyWrongAnswers =
    "Bạn đã nhập sai mã xác nhận quá nhiều lần.";
inline constexpr absl::string_view kInternalError = "Đã có lỗi xảy ra, vui lòng thử lại sau.";

// The message for a rate limit's refusal: what `limit` counts, then the wait.
[[nodiscard]] std::string TooOftenMessage(absl::string_view limit, int64_t wait_seconds);

// The reader's message for `status`: the text it carries when it carries
// one, else the catalog's for its reason (and, for RATE_LIMITED, its limit),
// else kInternalError.
[[nodiscard]] std::string ReaderMessageOf(const absl::Status& status);

// The message for one bad field: its own when it has one, else the catalog's
// for its reason.
[[nodiscard]] std::string ReaderMessageOf(const FieldViolation& violation);

}  // namespace moderation::api
