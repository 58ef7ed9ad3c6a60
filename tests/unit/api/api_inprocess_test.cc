// The gRPC handlers, the call gate and the access policy in one process: a
// real gRPC server on an in-process channel, the domain over in-memory stores.
// What reaches a client (status codes, ErrorDetail reasons, the feed after a
// moderator's approval) is checked here without a redis-server or a binary;
// the end-to-end tests check the same against the real parts.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "moderation/v1/comment_service.grpc.pb.h"
#include "moderation/v1/errors.pb.h"
#include "moderation/v1/moderation_service.grpc.pb.h"
#include "service/api/call_finisher.h"
#include "service/api/call_gate.h"
#include "service/api/comment_service_handler.h"
#include "service/api/moderation_service_handler.h"
#include "service/auth/access_policy.h"
#include "service/moderation/audit_desk.h"
#include "service/moderation/ban_desk.h"
#include "service/moderation/moderation_desk.h"
#include "service/moderation/public_feed.h"
#include "service/submission/captcha_issuance.h"
#include "service/submission/composed_submission_store.h"
#include "service/submission/submission_pipeline.h"
#include "tests/support/error_detail.h"
#include "tests/support/fake_clock.h"
#include "tests/support/fake_random.h"
#include "tests/support/in_memory_audit_log.h"
#include "tests/support/in_memory_ban_store.h"
#include "tests/support/in_memory_captcha_store.h"
#include "tests/support/in_memory_comment_repository.h"
#include "tests/support/in_memory_limit_store.h"
#include "tests/support/in_memory_spam_memory.h"
#include "tests/support/process.h"

namespace moderation::api {
namespace {

constexpr char kPortalToken[] = "portal-token-for-the-in-process-tests";
constexpr char kModeratorToken[] = "moderator-token-for-the-in-process-tests";

// The code as the image would show it: enough for a client that reads it back.
class TextRenderer final : public captcha::CaptchaRenderer {
 public:
  absl::StatusOr<std::string> RenderPng(absl::string_view code, RandomSource&) const override {
    return std::string(code);
  }
};

auth::AccessPolicy TwoTokens() {
  absl::StatusOr<auth::TokenTable> table = auth::TokenTable::Create({
      {.name = "portal",
       .role = "portal",
       .sha256_hex = auth::TokenSha256Hex(kPortalToken),
       .origin = "test"},
      {.name = "lan",
       .role = "moderator",
       .sha256_hex = auth::TokenSha256Hex(kModeratorToken),
       .origin = "test"},
  });
  EXPECT_TRUE(table.ok()) << table.status();
  return auth::AccessPolicy::Enforce(*std::move(table));
}

using testing::DetailOf;

class ApiInProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> counting;
    counting.push_back(gate_.CountingInterceptorFactory());
    builder.experimental().SetInterceptorCreators(std::move(counting));
    builder.RegisterService(&comment_service_);
    builder.RegisterService(&moderation_service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    auto channel = server_->InProcessChannel(grpc::ChannelArguments());
    portal_ = v1::CommentService::NewStub(channel);
    moderator_ = v1::ModerationService::NewStub(channel);
  }

  void TearDown() override {
    server_->Shutdown();
    server_->Wait();
  }

  static std::unique_ptr<grpc::ClientContext> As(const char* token) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->AddMetadata("authorization", std::string("Bearer ") + token);
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return context;
  }

  grpc::Status CreateCaptcha(v1::CreateCaptchaResponse& response,
                             const char* token = kPortalToken) {
    v1::CreateCaptchaRequest request;
    request.set_client_ip("198.51.100.7");
    return portal_->CreateCaptcha(As(token).get(), request, &response);
  }

  v1::SubmitCommentRequest Comment(const v1::CreateCaptchaResponse& captcha) {
    v1::SubmitCommentRequest request;
    request.set_article_id("thoi-su-42");
    request.set_name("Trần Thị Bích");
    request.set_phone("0987 654 321");
    request.set_title("Góp ý về con đường");
    request.set_body("Đoạn đường trước chợ đã được sửa xong, cảm ơn phường.");
    request.set_captcha_id(captcha.captcha_id());
    request.set_captcha_answer(captcha.dev_answer());
    request.set_client_ip("198.51.100.7");
    return request;
  }

  testing::FakeClock clock_;
  testing::FakeRandom random_;
  testing::InMemoryCaptchaStore captcha_store_{clock_};
  TextRenderer renderer_;
  captcha::CaptchaService captchas_{
      captcha_store_,           renderer_, nullptr, clock_, random_, "captcha-key",
      captcha::CaptchaOptions{}};
  testing::InMemoryCommentRepository repository_;
  testing::InMemoryAuditLog audit_log_;
  CommentIdGenerator ids_{clock_, random_};
  crypto::ServiceKeys keys_ = *crypto::DeriveServiceKeys(std::string(32, 'k'), "k1");
  testing::InMemoryLimitStore limit_store_{clock_};
  ratelimit::RateLimiter limiter_{limit_store_, clock_, ratelimit::LimiterOptions{}};
  testing::InMemoryBanStore bans_{clock_};
  testing::InMemorySpamMemory memory_;
  submission::ComposedSubmissionStore store_{captcha_store_, repository_, &limit_store_, &bans_,
                                             &memory_};
  submission::CaptchaIssuance issuance_{captchas_, &limiter_, keys_, submission::IssuanceOptions{}};
  submission::SubmissionPipeline submissions_{captchas_, store_,  &limiter_, ids_,
                                              clock_,    random_, keys_,     {}};
  const PagingLimits paging_{.default_page_size = 20, .max_page_size = 100};
  PublicFeed feed_{repository_, paging_, 128};
  ModerationDesk desk_{repository_, clock_, DeskOptions{.paging = paging_}, nullptr, &audit_log_};
  BanDesk ban_desk_{bans_, repository_, clock_, keys_, paging_, &audit_log_, &desk_};
  AuditDesk audit_desk_{audit_log_, repository_, clock_, paging_};
  CallGate gate_{16};
  CallFinisher finisher_{nullptr, &gate_};
  auth::AccessPolicy access_ = TwoTokens();
  CommentServiceHandler comment_service_{issuance_,
                                         submissions_,
                                         feed_,
                                         finisher_,
                                         access_,
                                         validation::FieldLimits{},
                                         /*dev_reveal_captcha=*/true};
  ModerationServiceHandler moderation_service_{
      desk_, ban_desk_, audit_desk_, keys_.phone_cipher, finisher_, access_};
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::CommentService::Stub> portal_;
  std::unique_ptr<v1::ModerationService::Stub> moderator_;
};

TEST_F(ApiInProcessTest, ACommentIsListedOnlyOnceAModeratorApprovedIt) {
  v1::CreateCaptchaResponse captcha;
  ASSERT_TRUE(CreateCaptcha(captcha).ok());
  ASSERT_FALSE(captcha.dev_answer().empty());
  v1::SubmitCommentResponse submitted;
  const grpc::Status status =
      portal_->SubmitComment(As(kPortalToken).get(), Comment(captcha), &submitted);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_FALSE(submitted.comment_id().empty());

  v1::ListApprovedCommentsRequest list;
  list.set_article_id("thoi-su-42");
  v1::ListApprovedCommentsResponse before;
  ASSERT_TRUE(portal_->ListApprovedComments(As(kPortalToken).get(), list, &before).ok());
  EXPECT_EQ(before.comments_size(), 0);

  v1::ApproveCommentRequest approve;
  approve.set_comment_id(submitted.comment_id());
  v1::ApproveCommentResponse approved;
  const grpc::Status approval =
      moderator_->ApproveComment(As(kModeratorToken).get(), approve, &approved);
  ASSERT_TRUE(approval.ok()) << approval.error_message();

  v1::ListApprovedCommentsResponse after;
  ASSERT_TRUE(portal_->ListApprovedComments(As(kPortalToken).get(), list, &after).ok());
  ASSERT_EQ(after.comments_size(), 1);
  EXPECT_EQ(after.comments(0).name(), "Trần Thị Bích");
  EXPECT_EQ(after.comments(0).body(), "Đoạn đường trước chợ đã được sửa xong, cảm ơn phường.");
}

TEST_F(ApiInProcessTest, AWrongAnswerIsRefusedNamingTheFieldAndItsReason) {
  v1::CreateCaptchaResponse captcha;
  ASSERT_TRUE(CreateCaptcha(captcha).ok());
  v1::SubmitCommentRequest request = Comment(captcha);
  request.set_captcha_answer(captcha.dev_answer() == "AAAAA" ? "BBBBB" : "AAAAA");
  v1::SubmitCommentResponse response;
  const grpc::Status status = portal_->SubmitComment(As(kPortalToken).get(), request, &response);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  const v1::ErrorDetail detail = DetailOf(status);
  ASSERT_EQ(detail.field_violations_size(), 1);
  EXPECT_EQ(detail.field_violations(0).field(), "captcha_answer");
  EXPECT_EQ(detail.field_violations(0).reason(), "CAPTCHA_WRONG");
  EXPECT_EQ(repository_.size(), 0u);
}

TEST_F(ApiInProcessTest, EveryMissingRequiredFieldIsNamed) {
  v1::SubmitCommentRequest empty;
  v1::SubmitCommentResponse response;
  const grpc::Status status = portal_->SubmitComment(As(kPortalToken).get(), empty, &response);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  std::vector<std::string> fields;
  const v1::ErrorDetail detail = DetailOf(status);
  for (const v1::FieldViolation& violation : detail.field_violations()) {
    fields.push_back(violation.field());
  }
  for (const char* required : {"article_id", "name", "body", "captcha_id", "captcha_answer"}) {
    EXPECT_NE(std::find(fields.begin(), fields.end(), required), fields.end()) << required;
  }
}

TEST_F(ApiInProcessTest, ACallerWithoutTheRightRoleIsRefusedBeforeAnyWork) {
  v1::CreateCaptchaResponse captcha;
  EXPECT_EQ(CreateCaptcha(captcha, "not-a-token").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  // A moderator's token does not open the portal's service, nor the other way round.
  EXPECT_EQ(CreateCaptcha(captcha, kModeratorToken).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::ListPendingRequest pending;
  v1::ListPendingResponse listed;
  EXPECT_EQ(moderator_->ListPending(As(kPortalToken).get(), pending, &listed).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(captcha_store_.digests().empty());
}

TEST_F(ApiInProcessTest, ADrainingGateRefusesNewCallsAsShuttingDown) {
  gate_.StartDraining();
  v1::CreateCaptchaResponse captcha;
  const grpc::Status status = CreateCaptcha(captcha);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(DetailOf(status).reason(), "SHUTTING_DOWN");
  EXPECT_TRUE(captcha_store_.digests().empty());
  // The refused call leaves the count once gRPC has finished it, which may be
  // just after the client has its answer.
  EXPECT_TRUE(testing::WaitFor([&] { return gate_.in_flight() == 0; }, absl::Seconds(5)));
}

}  // namespace
}  // namespace moderation::api
