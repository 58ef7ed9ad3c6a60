#include "service/common/errors.h"

#include <gtest/gtest.h>

namespace moderation {
namespace {

TEST(ErrorsTest, FieldViolationsSurviveTheRoundTrip) {
  const absl::Status status = InvalidFields(
      {{"phone", "PHONE_INVALID", "Số điện thoại không hợp lệ."}, {"body", "REQUIRED", "Nhập."}});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  ASSERT_EQ(FieldViolationsOf(status).size(), 2u);
  EXPECT_EQ(FieldViolationsOf(status)[0],
            (FieldViolation{"phone", "PHONE_INVALID", "Số điện thoại không hợp lệ."}));
  EXPECT_NE(status.message().find("phone (PHONE_INVALID)"), absl::string_view::npos);
}

TEST(ErrorsTest, StorageUnavailableSaysWhenToRetry) {
  const absl::Status status = StorageUnavailable("down");
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReasonOf(status), "STORAGE_UNAVAILABLE");
  ASSERT_TRUE(RetryAfterOf(status).has_value());
  EXPECT_EQ(*RetryAfterOf(status), absl::Seconds(1));
}

TEST(ErrorsTest, PlainStatusesCarryNothing) {
  const absl::Status status = absl::InternalError("x");
  EXPECT_TRUE(FieldViolationsOf(status).empty());
  EXPECT_EQ(ReasonOf(status), "");
  EXPECT_FALSE(RetryAfterOf(status).has_value());
}

}  // namespace
}  // namespace moderation
