#include "service/api/reader_messages.h"

#include <gtest/gtest.h>

#include "service/common/errors.h"
#include "service/ratelimit/rate_limiter.h"

namespace moderation::api {
namespace {

// The texts are part of the API contract (docs/errors.md): pinned as sent.
TEST(ReaderMessagesTest, ALimitSaysWhatWasDoneTooOftenAndTheWait) {
  EXPECT_EQ(ReaderMessageOf(ratelimit::RateLimited("submit_ip", absl::Seconds(10))),
            "Bạn thao tác quá nhanh. Vui lòng thử lại sau 10 giây.");
  EXPECT_EQ(ReaderMessageOf(ratelimit::RateLimited("captcha_ip", absl::Milliseconds(200))),
            "Bạn thao tác quá nhanh. Vui lòng thử lại sau 1 giây.");
}

TEST(ReaderMessagesTest, TheWrongAnswerLimitSpeaksOfWrongAnswers) {
  EXPECT_EQ(ReaderMessageOf(ratelimit::RateLimited("wrong_answer_ip", absl::Seconds(119.2))),
            "Bạn đã nhập sai mã xác nhận quá nhiều lần. Vui lòng thử lại sau 120 giây.");
}

TEST(ReaderMessagesTest, ReasonsWithoutATextGetTheCatalogs) {
  EXPECT_EQ(ReaderMessageOf(StorageUnavailable("connection refused")),
            "Hệ thống đang bận, vui lòng thử lại sau ít phút.");
  EXPECT_EQ(ReaderMessageOf(ErrorWithReasonCode(absl::StatusCode::kResourceExhausted, "OVERLOADED",
                                                "queue full")),
            "Hệ thống đang quá tải, vui lòng thử lại sau.");
  EXPECT_EQ(ReaderMessageOf(ErrorWithReasonCode(absl::StatusCode::kPermissionDenied,
                                                "PERMISSION_DENIED", "role")),
            "Bạn không có quyền thực hiện thao tác này.");
  EXPECT_EQ(ReaderMessageOf(ErrorWithReasonCode(absl::StatusCode::kAborted, "NO_SUCH_REASON", "")),
            kInternalError);
}

TEST(ReaderMessagesTest, ABadCaptchaIsNamedByItsReason) {
  const absl::Status wrong = InvalidFields({{"captcha_answer", "CAPTCHA_WRONG", ""}});
  EXPECT_EQ(ReaderMessageOf(wrong), "Mã xác nhận không đúng. Vui lòng nhập mã mới.");
  EXPECT_EQ(ReaderMessageOf(FieldViolationsOf(wrong).front()),
            "Mã xác nhận không đúng. Vui lòng nhập mã mới.");
  EXPECT_EQ(ReaderMessageOf(InvalidFields({{"captcha_id", "CAPTCHA_EXPIRED", ""}})),
            "Mã xác nhận đã hết hạn. Vui lòng lấy mã mới.");
}

TEST(ReaderMessagesTest, AMissingProofOfWorkIsNamedByItsField) {
  EXPECT_EQ(ReaderMessageOf(InvalidFields({{"altcha_payload", "REQUIRED", ""}})),
            "Thiếu lời giải kiểm tra chống máy tự động.");
  EXPECT_EQ(ReaderMessageOf(InvalidFields({{"altcha_payload", "ALTCHA_SOLUTION_WRONG", ""}})),
            "Lời giải kiểm tra chống máy tự động không đúng.");
}

TEST(ReaderMessagesTest, ATextCarriedByTheStatusWins) {
  EXPECT_EQ(ReaderMessageOf(InvalidFields({{"name", "REQUIRED", "Vui lòng nhập Họ tên."}})),
            "Vui lòng nhập Họ tên.");
  EXPECT_EQ(ReaderMessageOf(InvalidFields(
                {{"name", "REQUIRED", "Vui lòng nhập Họ tên."}, {"body", "REQUIRED", "x"}})),
            "Vui lòng kiểm tra lại các thông tin đã nhập.");
}

}  // namespace
}  // namespace moderation::api
