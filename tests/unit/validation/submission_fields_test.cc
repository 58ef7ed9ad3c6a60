#include "service/validation/submission_fields.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

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
      .altcha_payload = "",
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

// Text made only of characters that show nothing is a field left empty.
TEST(ValidateSubmissionTest, RefusesVisuallyEmptyNameTitleAndBody) {
  const std::vector<std::string> invisible = {
      "\u00a0\u00a0",              // no-break spaces
      "\u3000",                    // ideographic space
      "\u200b\u200b",              // zero-width spaces
      "\u200d",                    // zero-width joiner
      "\ufeff",                    // byte order mark
      "\u3164",                    // Hangul filler
      "\u2800\u2800",              // blank Braille pattern
      "\u0301\u0301\u0301",        // combining marks without a base
      "\U000E0041\U000E0042",      // tag characters
      "\u00ad\u00ad",              // soft hyphens
      "\u00a0\u200b\u3000\u2800",  // a mixture
  };
  for (const std::string& text : invisible) {
    RawSubmission raw = ValidRaw();
    raw.name = text;
    raw.title = text;
    raw.body = text;
    const absl::Status status = ValidateSubmission(raw, FieldLimits{}).status();
    EXPECT_THAT(FieldViolationsOf(status),
                ElementsAre(FieldViolation{"name", "REQUIRED", "Vui lòng nhập Họ tên."},
                            FieldViolation{"title", "REQUIRED", "Vui lòng nhập Tiêu đề."},
                            FieldViolation{"body", "REQUIRED", "Vui lòng nhập Nội dung."}))
        << text;
  }
}

TEST(ValidateSubmissionTest, KeepsVisibleTextWithInvisibleCharactersInside) {
  RawSubmission raw = ValidRaw();
  raw.name = "An\u00a0Nguyễn";
  raw.title = "👩\u200d💻 lập trình";
  raw.body = "Tiếng Việt viết tổ hợp: e\u0323\u0302";
  EXPECT_TRUE(ValidateSubmission(raw, FieldLimits{}).ok());
}

TEST(ValidateSubmissionTest, CapsCombiningMarksPerCharacter) {
  // RawSubmission holds views: the texts live here.
  std::string title = "T";
  std::string body = "a";
  for (int i = 0; i < 199; ++i) {
    title += "\u0489";
  }
  for (int i = 0; i < 4999; ++i) {
    body += "\u0301";
  }
  RawSubmission raw = ValidRaw();
  raw.title = title;
  raw.body = body;
  const absl::Status status = ValidateSubmission(raw, FieldLimits{}).status();
  EXPECT_THAT(FieldViolationsOf(status),
              ElementsAre(Field(&FieldViolation::reason, "TOO_MANY_COMBINING_MARKS"),
                          Field(&FieldViolation::reason, "TOO_MANY_COMBINING_MARKS")));
  raw.title = "Thai: \u0e01\u0e34\u0e4a";  // a base with two marks stays allowed
  raw.body = "a\u0301\u0302\u0303\u0304";  // four: the default limit
  EXPECT_TRUE(ValidateSubmission(raw, FieldLimits{}).ok());
}

TEST(ValidateSubmissionTest, RefusesNulInEveryTextFieldAndTheAddress) {
  const std::string nul("\0", 1);
  const std::string article_id = "bai" + nul;
  const std::string name = "An" + nul;
  const std::string title = "Ti" + nul + "tle";
  const std::string body = nul + "body";
  const std::string captcha_id = "id" + nul;
  const std::string captcha_answer = "ab" + nul + "c";
  const std::string client_ip = "10.250.1.1" + nul + "<script>x</script>";
  const std::string user_agent = "Mozilla" + nul;
  const std::string idempotency_key = "key-1" + nul;
  RawSubmission raw = ValidRaw();
  raw.article_id = article_id;
  raw.name = name;
  raw.title = title;
  raw.body = body;
  raw.captcha_id = captcha_id;
  raw.captcha_answer = captcha_answer;
  raw.client_ip = client_ip;
  raw.user_agent = user_agent;
  raw.idempotency_key = idempotency_key;
  const absl::Status status = ValidateSubmission(raw, FieldLimits{}).status();
  EXPECT_THAT(
      FieldViolationsOf(status),
      ElementsAre(
          FieldViolation{"article_id", "INVALID_FORMAT", "Mã bài viết không đúng định dạng."},
          Field(&FieldViolation::reason, "CONTROL_CHARACTER"),
          Field(&FieldViolation::reason, "CONTROL_CHARACTER"),
          Field(&FieldViolation::reason, "CONTROL_CHARACTER"),
          Field(&FieldViolation::reason, "INVALID_FORMAT"),
          Field(&FieldViolation::reason, "INVALID_FORMAT"),
          FieldViolation{"client_ip", "INVALID_FORMAT", "Địa chỉ IP không đúng định dạng."},
          Field(&FieldViolation::reason, "CONTROL_CHARACTER"),
          Field(&FieldViolation::reason, "INVALID_FORMAT")));
}

TEST(ValidateSubmissionTest, InvalidUtf8IsNamedSoInEveryStringField) {
  RawSubmission raw = ValidRaw();
  const std::string bad = "x\xC3(";
  raw.article_id = bad;
  raw.name = bad;
  raw.phone = bad;
  raw.title = bad;
  raw.body = bad;
  raw.captcha_id = bad;
  raw.captcha_answer = bad;
  raw.client_ip = bad;
  raw.user_agent = bad;
  raw.idempotency_key = bad;
  const absl::Status status = ValidateSubmission(raw, FieldLimits{}).status();
  const std::vector<FieldViolation> violations = FieldViolationsOf(status);
  ASSERT_EQ(violations.size(), 10u) << status;
  for (const FieldViolation& violation : violations) {
    EXPECT_EQ(violation.reason, "INVALID_UTF8") << violation.field;
  }
}

TEST(ValidateClientIpTest, RefusesTheMachinesOwnAddressUnlessTold) {
  FieldLimits limits;
  absl::StatusOr<std::string> local = ValidateClientIp("::1", /*required=*/true, limits);
  ASSERT_FALSE(local.ok());
  ASSERT_EQ(FieldViolationsOf(local.status()).size(), 1u);
  EXPECT_EQ(FieldViolationsOf(local.status())[0].field, "client_ip");
  EXPECT_EQ(FieldViolationsOf(local.status())[0].reason, "LOCAL_ADDRESS");
  limits.local_client_ip_accepted = true;
  EXPECT_EQ(ValidateClientIp("::1", true, limits).value_or("refused"), "::1");
}

TEST(ValidateClientIpTest, AnAbsentAddressIsRefusedOnlyWhenRequired) {
  const FieldLimits limits;
  EXPECT_EQ(ValidateClientIp("", /*required=*/false, limits).value_or("refused"), "");
  absl::StatusOr<std::string> missing = ValidateClientIp("", /*required=*/true, limits);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(FieldViolationsOf(missing.status())[0].reason, "REQUIRED");
  EXPECT_EQ(ValidateClientIp(" 203.0.113.5", true, limits).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateClientIp("2001:DB8::0001", true, limits).value_or("refused"), "2001:db8::1");
}

TEST(ValidateSubmissionTest, RefusesALoopbackReaderAddress) {
  RawSubmission raw = ValidRaw();
  raw.client_ip = "127.0.0.1";
  absl::StatusOr<ValidSubmission> valid = ValidateSubmission(raw, FieldLimits{});
  ASSERT_FALSE(valid.ok());
  ASSERT_EQ(FieldViolationsOf(valid.status()).size(), 1u);
  EXPECT_EQ(FieldViolationsOf(valid.status())[0].reason, "LOCAL_ADDRESS");
}

}  // namespace
}  // namespace moderation::validation
