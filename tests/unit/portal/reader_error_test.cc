#include "client/portal/reader_error.h"

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "moderation/internal/wire.pb.h"
#include "moderation/v1/errors.pb.h"

namespace moderation::portal {
namespace {

grpc::Status StatusWith(grpc::StatusCode code, const v1::ErrorDetail& detail) {
  internal::RpcStatus rpc_status;
  rpc_status.set_code(code);
  rpc_status.set_message("ignored");
  rpc_status.add_details()->PackFrom(detail);
  return grpc::Status(code, "ignored", rpc_status.SerializeAsString());
}

TEST(ReaderErrorTest, FieldViolationsGoToTheirFormFields) {
  v1::ErrorDetail detail;
  detail.set_reason("INVALID_FIELDS");
  auto* name = detail.add_field_violations();
  name->set_field("name");
  name->set_reason("REQUIRED");
  name->set_message("Vui lòng nhập Họ tên.");
  auto* captcha = detail.add_field_violations();
  captcha->set_field("captcha_id");
  captcha->set_reason("CAPTCHA_EXPIRED");
  captcha->set_message("Mã xác nhận đã hết hạn. Vui lòng lấy mã mới.");
  const ReaderError error =
      ToReaderError(StatusWith(grpc::StatusCode::INVALID_ARGUMENT, detail), 0);
  EXPECT_EQ(error.http_status, 422);
  EXPECT_EQ(error.message, "");
  ASSERT_EQ(error.field_errors.size(), 2u);
  EXPECT_EQ(error.field_errors.at("name"), "Vui lòng nhập Họ tên.");
  EXPECT_EQ(error.field_errors.at("captcha_answer"),
            "Mã xác nhận đã hết hạn. Vui lòng lấy mã mới.");
  EXPECT_FALSE(error.keep_idempotency_key);
  EXPECT_EQ(error.log_summary,
            "INVALID_ARGUMENT INVALID_FIELDS name:REQUIRED captcha_id:CAPTCHA_EXPIRED");
}

TEST(ReaderErrorTest, AFieldTheReaderDidNotTypeIsAnErrorOfThePage) {
  // LOCAL_ADDRESS too: the page forwarded its own address, not the reader's.
  for (const char* reason : {"INVALID_FORMAT", "LOCAL_ADDRESS"}) {
    v1::ErrorDetail detail;
    auto* ip = detail.add_field_violations();
    ip->set_field("client_ip");
    ip->set_reason(reason);
    ip->set_message("Địa chỉ IP không đúng định dạng.");
    const ReaderError error =
        ToReaderError(StatusWith(grpc::StatusCode::INVALID_ARGUMENT, detail), 0);
    EXPECT_TRUE(error.field_errors.empty()) << reason;
    EXPECT_EQ(error.message, "Hệ thống bình luận đang tạm gián đoạn. Vui lòng thử lại sau.")
        << reason << ": no internals shown";
    EXPECT_NE(error.log_summary.find(absl::StrCat("client_ip:", reason)), std::string::npos);
  }
}

TEST(ReaderErrorTest, RateLimitedIsA429WithTheServicesWaitRoundedUp) {
  v1::ErrorDetail detail;
  detail.set_reason("RATE_LIMITED");
  detail.set_message("Bạn thao tác quá nhanh. Vui lòng thử lại sau 12 giây.");
  detail.mutable_retry_after()->set_seconds(11);
  detail.mutable_retry_after()->set_nanos(200);
  const ReaderError error =
      ToReaderError(StatusWith(grpc::StatusCode::RESOURCE_EXHAUSTED, detail), 30);
  EXPECT_EQ(error.http_status, 429);
  EXPECT_EQ(error.retry_after_seconds, 12);
  EXPECT_EQ(error.message, detail.message());
}

TEST(ReaderErrorTest, OverloadedIsA503ForEveryone) {
  v1::ErrorDetail detail;
  detail.set_reason("OVERLOADED");
  const ReaderError error =
      ToReaderError(StatusWith(grpc::StatusCode::RESOURCE_EXHAUSTED, detail), 3);
  EXPECT_EQ(error.http_status, 503);
  EXPECT_EQ(error.retry_after_seconds, 3) << "the trailer when the detail has none";
  EXPECT_NE(error.message, "");
}

TEST(ReaderErrorTest, LostAnswersKeepTheIdempotencyKey) {
  const ReaderError deadline =
      ToReaderError(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "deadline"), 0);
  EXPECT_EQ(deadline.http_status, 504);
  EXPECT_TRUE(deadline.keep_idempotency_key);
  const ReaderError unavailable =
      ToReaderError(grpc::Status(grpc::StatusCode::UNAVAILABLE, "connect failed"), 0);
  EXPECT_EQ(unavailable.http_status, 503);
  EXPECT_TRUE(unavailable.keep_idempotency_key);
  EXPECT_NE(unavailable.message, "");
}

TEST(ReaderErrorTest, TheirOwnAuthFailureShowsReadersAnOutage) {
  for (const grpc::StatusCode code :
       {grpc::StatusCode::UNAUTHENTICATED, grpc::StatusCode::PERMISSION_DENIED,
        grpc::StatusCode::UNIMPLEMENTED}) {
    const ReaderError error = ToReaderError(grpc::Status(code, "token"), 0);
    EXPECT_EQ(error.http_status, 503) << code;
    EXPECT_EQ(error.message.find("token"), std::string::npos);
  }
}

TEST(ReaderErrorTest, InternalIsABadGatewayWithoutDetails) {
  const ReaderError error =
      ToReaderError(grpc::Status(grpc::StatusCode::INTERNAL, "stack trace"), 0);
  EXPECT_EQ(error.http_status, 502);
  EXPECT_EQ(error.message.find("stack"), std::string::npos);
  EXPECT_NE(error.message, "");
}

TEST(FormFieldOfTest, MapsRequestFieldsToWhatTheReaderSees) {
  EXPECT_EQ(FormFieldOf("phone"), "phone");
  EXPECT_EQ(FormFieldOf("captcha_id"), "captcha_answer");
  EXPECT_EQ(FormFieldOf("altcha_payload"), "altcha");
  EXPECT_EQ(FormFieldOf("article_id"), "");
  EXPECT_EQ(FormFieldOf("idempotency_key"), "");
}

}  // namespace
}  // namespace moderation::portal
