#include "service/validation/submission_fields.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "service/common/errors.h"

namespace moderation::validation {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;

RawSubmission ValidRaw() {
  return RawSubmission{
      .article_id = "thoi-su-2026-11-26",
      .name = "Nguyễn Văn An",
      .phone = "0912 345 678",
      .title = "Ý kiến về quy hoạch",
      .body = "Tôi đồng ý với bài viết.\nCảm ơn tác giả.",
      .captcha_id = "0123456789abcdef0123456789abcdef.1790000300",
      .captcha_answer = " kx7ha ",
      .client_ip = "203.0.113.57",
      .user_agent = "Mozilla/5.0",
      .idempotency_key = "key-1",
      .honeypot = "",
  };
}

TEST(ValidateSubmissionTest, NormalisesAValidSubmission) {
  absl::StatusOr<ValidSubmission> valid = ValidateSubmission(ValidRaw(), FieldLimits{});
  ASSERT_TRUE(valid.ok()) << valid.status();
  EXPECT_EQ(valid->phone_e164, "+84912345678");
  EXPECT_EQ(valid->captcha_answer, "kx7ha");
  EXPECT_EQ(valid->client_network, "203.0.113.0/24");
  EXPECT_EQ(valid->body, "Tôi đồng ý với bài viết.\nCảm ơn tác giả.");
}

TEST(ValidateSubmissionTest, PhoneIsOptional) {
  RawSubmission raw = ValidRaw();
  raw.phone = "   ";
  absl::StatusOr<ValidSubmission> valid = ValidateSubmission(raw, FieldLimits{});
  ASSERT_TRUE(valid.ok()) << valid.status();
  EXPECT_TRUE(valid->phone_e164.empty());
}

TEST(ValidateSubmissionTest, NamesEveryBadFieldInRequestOrder) {
  RawSubmission raw;
  raw.name = "   ";
  raw.phone = "12345";
  raw.title = "Tiêu đề\nhai dòng";
  raw.body = "bad \xC3(";
  raw.client_ip = "not-an-ip";
  const absl::Status status = ValidateSubmission(raw, FieldLimits{}).status();
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(FieldViolationsOf(status),
              ElementsAre(FieldViolation{"article_id", "REQUIRED", "Vui lòng nhập Mã bài viết."},
                          Field(&FieldViolation::reason, "REQUIRED"),
                          Field(&FieldViolation::reason, "PHONE_INVALID"),
                          Field(&FieldViolation::reason, "CONTROL_CHARACTER"),
                          Field(&FieldViolation::reason, "INVALID_UTF8"),
                          Field(&FieldViolation::field, "captcha_id"),
                          Field(&FieldViolation::field, "captcha_answer"),
                          Field(&FieldViolation::reason, "INVALID_FORMAT")));
  EXPECT_EQ(ReasonOf(status), "INVALID_FIELDS");
}

TEST(ValidateSubmissionTest, CountsLimitsInCharactersNotBytes) {
  FieldLimits limits;
  limits.name_max_chars = 5;
  RawSubmission raw = ValidRaw();
  raw.name = "Đặng";  // 4 characters, 8 bytes
  EXPECT_TRUE(ValidateSubmission(raw, limits).ok());
  raw.name = "Nguyễn";  // 6 characters
  const absl::Status status = ValidateSubmission(raw, limits).status();
  ASSERT_EQ(FieldViolationsOf(status).size(), 1u);
  EXPECT_EQ(FieldViolationsOf(status)[0].field, "name");
  EXPECT_EQ(FieldViolationsOf(status)[0].reason, "TOO_LONG");
  EXPECT_THAT(FieldViolationsOf(status)[0].message, HasSubstr("tối đa 5"));
}

TEST(ValidateSubmissionTest, RefusesArticleIdsOutsideTheirAlphabet) {
  RawSubmission raw = ValidRaw();
  raw.article_id = "bài-viết";
  EXPECT_EQ(FieldViolationsOf(ValidateSubmission(raw, FieldLimits{}).status())[0].reason,
            "INVALID_FORMAT");
  raw.article_id = "a b";
  EXPECT_FALSE(ValidateSubmission(raw, FieldLimits{}).ok());
}

TEST(ValidateSubmissionTest, RefusesTooLongIdempotencyKey) {
  RawSubmission raw = ValidRaw();
  const std::string key(200, 'k');
  raw.idempotency_key = key;
  const std::vector<FieldViolation> violations =
      FieldViolationsOf(ValidateSubmission(raw, FieldLimits{}).status());
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].field, "idempotency_key");
  EXPECT_EQ(violations[0].reason, "TOO_LONG");
}

}  // namespace
}  // namespace moderation::validation
