#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>

#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "tests/e2e/e2e_fixture.h"

namespace moderation::e2e {
namespace {

using ::testing::HasSubstr;

class ObservabilityTest : public EndToEndTest {};

TEST_F(ObservabilityTest, MetricsCountKnownTraffic) {
  v1::SubmitCommentResponse response;
  ASSERT_TRUE(Submit(ValidSubmission("m1"), &response).ok());
  v1::SubmitCommentRequest wrong = ValidSubmission("m2");
  wrong.set_captcha_answer("NOPE");
  ASSERT_EQ(Submit(wrong, &response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  v1::SubmitCommentRequest invalid = ValidSubmission("m3");
  invalid.set_phone("123");
  ASSERT_EQ(Submit(invalid, &response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  const std::string metrics = HttpGet(metrics_port_, "/metrics");
  EXPECT_THAT(metrics, HasSubstr("200 OK"));
  EXPECT_THAT(metrics,
              HasSubstr("moderation_rpc_requests_total{method=\"SubmitComment\",code=\"OK\"} 1\n"));
  EXPECT_THAT(metrics, HasSubstr("moderation_rpc_requests_total{method=\"SubmitComment\","
                                 "code=\"INVALID_ARGUMENT\"} 2\n"));
  // Four captchas: one by the fixture's start-up probe, three above.
  EXPECT_THAT(metrics,
              HasSubstr("moderation_rpc_requests_total{method=\"CreateCaptcha\",code=\"OK\"} 4\n"));
  EXPECT_THAT(metrics,
              HasSubstr("moderation_submissions_total{outcome=\"accepted\",reason=\"\"} 1\n"));
  EXPECT_THAT(metrics, HasSubstr("moderation_captcha_verifications_total{outcome=\"wrong\"} 1\n"));
  EXPECT_THAT(metrics, HasSubstr("moderation_queue_pending 1\n"));
  EXPECT_THAT(metrics, HasSubstr("moderation_redis_commands_total{result=\"ok\"}"));
  EXPECT_THAT(metrics,
              HasSubstr("moderation_rpc_duration_seconds_count{method=\"SubmitComment\"} 3\n"));
  EXPECT_THAT(HttpGet(metrics_port_, "/healthz"), HasSubstr("200 OK"));
}

TEST_F(ObservabilityTest, LogLinesAreJsonWithoutPersonalData) {
  v1::SubmitCommentResponse response;
  ASSERT_TRUE(Submit(ValidSubmission("l1"), &response).ok());
  v1::SubmitCommentRequest invalid = ValidSubmission("l2");
  invalid.set_name("");
  ASSERT_FALSE(Submit(invalid, &response).ok());
  ASSERT_TRUE(server_->Stop(SIGTERM, absl::Seconds(10)).ok());

  std::ifstream log(server_log_);
  std::string line;
  int lines = 0;
  int rpc_lines = 0;
  while (std::getline(log, line)) {
    ++lines;
    google::protobuf::Struct parsed;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &parsed).ok()) << line;
    EXPECT_TRUE(parsed.fields().contains("time")) << line;
    EXPECT_TRUE(parsed.fields().contains("level")) << line;
    if (parsed.fields().contains("method")) {
      ++rpc_lines;
      EXPECT_TRUE(parsed.fields().contains("latency_ms")) << line;
      EXPECT_TRUE(parsed.fields().contains("status")) << line;
    }
    EXPECT_EQ(line.find("203.0.113"), std::string::npos) << line;
    EXPECT_EQ(line.find("903123456"), std::string::npos) << line;
    EXPECT_EQ(line.find("0903 123 456"), std::string::npos) << line;
  }
  EXPECT_GT(lines, 3);
  EXPECT_GE(rpc_lines, 4);
}

}  // namespace
}  // namespace moderation::e2e
