#include "service/api/grpc_status.h"

#include <gtest/gtest.h>

#include "moderation/internal/wire.pb.h"
#include "moderation/v1/errors.pb.h"
#include "service/common/errors.h"

namespace moderation::api {
namespace {

v1::ErrorDetail DetailOf(const grpc::Status& status) {
  internal::RpcStatus rpc_status;
  EXPECT_TRUE(rpc_status.ParseFromString(status.error_details()));
  EXPECT_EQ(rpc_status.code(), static_cast<int>(status.error_code()));
  EXPECT_EQ(rpc_status.details_size(), 1);
  v1::ErrorDetail detail;
  EXPECT_TRUE(rpc_status.details(0).UnpackTo(&detail));
  EXPECT_EQ(rpc_status.details(0).type_url(), "type.googleapis.com/moderation.v1.ErrorDetail");
  return detail;
}

TEST(ToGrpcStatusTest, InvalidFieldsBecomeFieldViolations) {
  const grpc::Status status = ToGrpcStatus(
      InvalidFields({{"phone", "PHONE_INVALID", "Số điện thoại không hợp lệ."}}), "Test");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  const v1::ErrorDetail detail = DetailOf(status);
  EXPECT_EQ(detail.reason(), "INVALID_FIELDS");
  ASSERT_EQ(detail.field_violations_size(), 1);
  EXPECT_EQ(detail.field_violations(0).field(), "phone");
  EXPECT_EQ(detail.field_violations(0).reason(), "PHONE_INVALID");
  EXPECT_EQ(detail.field_violations(0).message(), "Số điện thoại không hợp lệ.");
}

TEST(ToGrpcStatusTest, UnavailableCarriesRetryAfterButNoInternals) {
  const grpc::Status status = ToGrpcStatus(StorageUnavailable("redis at 10.0.0.5 refused"), "T");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(status.error_message().find("10.0.0.5"), std::string::npos);
  const v1::ErrorDetail detail = DetailOf(status);
  EXPECT_EQ(detail.reason(), "STORAGE_UNAVAILABLE");
  EXPECT_EQ(detail.retry_after().seconds(), 1);
}

TEST(ToGrpcStatusTest, OurOwnFailuresAreGeneric) {
  const grpc::Status status = ToGrpcStatus(absl::DataLossError("hash field x corrupt"), "T");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DATA_LOSS);
  EXPECT_EQ(status.error_message(), "internal error");
  EXPECT_EQ(DetailOf(status).reason(), "INTERNAL_ERROR");
}

TEST(ToGrpcStatusTest, OkIsOk) { EXPECT_TRUE(ToGrpcStatus(absl::OkStatus(), "T").ok()); }

}  // namespace
}  // namespace moderation::api
