// The server itself under stress: SIGTERM in the middle of a load, a reply
// lost on its way back from Redis, more calls than it may serve at once.

#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>

#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "moderation/v1/comment_service.grpc.pb.h"
#include "tests/chaos/chaos_fixture.h"
#include "tests/support/fault_proxy.h"
#include "tests/support/reader_address.h"

namespace moderation::chaos {
namespace {

std::unique_ptr<grpc::ClientContext> ContextWithin(absl::Duration wait) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(wait));
  return context;
}

TEST_F(ChaosTest, SigtermMidLoadDrainsAndExitsWithinTheGracePeriod) {
  StartRedis();
  StartServer(redis_->url(), {{"MODERATION_SHUTDOWN_GRACE_SECONDS", "5"}});
  SubmissionLoad load(Load());
  load.Start();
  ASSERT_TRUE(testing::WaitFor([&] { return load.acknowledged() >= 50; }, absl::Seconds(30)));

  // The load's clients keep their connections open throughout: the server
  // must not wait for them to go away.
  const absl::Time signalled = absl::Now();
  absl::StatusOr<int> exit_status = server_->Stop(SIGTERM, absl::Seconds(10));
  const absl::Duration took = absl::Now() - signalled;
  ASSERT_TRUE(exit_status.ok()) << exit_status.status();
  EXPECT_TRUE(WIFEXITED(*exit_status));
  EXPECT_EQ(WEXITSTATUS(*exit_status), 0);
  EXPECT_LT(took, absl::Seconds(2)) << "calls in flight take milliseconds; the grace is 5 s";
  absl::SleepFor(absl::Milliseconds(300));  // calls after the exit fail, fast
  const LoadReport report = load.Stop();

  for (const auto& [code, count] : report.errors) {
    EXPECT_EQ(code, "UNAVAILABLE") << count << " calls";
  }
  std::cout << "CHAOS server SIGTERM: exited in " << absl::ToInt64Milliseconds(took) << " ms\n";
  Summarise("server SIGTERM mid-load", report, AuditRedis(redis_->url(), report),
            absl::InfiniteDuration());
}

TEST_F(ChaosTest, SigtermLetsACallInFlightFinishAndRefusesNewOnes) {
  StartRedis();
  StartServer(redis_->url(), {{"MODERATION_SHUTDOWN_GRACE_SECONDS", "5"},
                              {"MODERATION_REDIS_COMMAND_TIMEOUT_MS", "3000"}});
  auto portal = v1::CommentService::NewStub(channel_);
  // A call that cannot finish before Redis thaws.
  ASSERT_TRUE(redis_->Signal(SIGSTOP).ok());
  grpc::Status in_flight;
  std::thread caller([&] {
    v1::CreateCaptchaResponse response;
    in_flight = portal->CreateCaptcha(ContextWithin(absl::Seconds(5)).get(),
                                      testing::ReaderCaptchaRequest(), &response);
  });
  absl::SleepFor(absl::Milliseconds(300));
  ASSERT_EQ(::kill(server_->pid(), SIGTERM), 0);
  // Draining: probes see NOT_SERVING and a new call is refused at once.
  EXPECT_TRUE(
      testing::WaitFor([&] { return HealthOf(channel_, "") == "NOT_SERVING"; }, absl::Seconds(1)));
  v1::CreateCaptchaResponse refused_response;
  const grpc::Status refused = portal->CreateCaptcha(ContextWithin(absl::Seconds(2)).get(),
                                                     testing::ReaderCaptchaRequest(), &refused_response);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE);
  ASSERT_TRUE(redis_->Signal(SIGCONT).ok());
  caller.join();
  EXPECT_TRUE(in_flight.ok()) << "the call in flight was cut off: " << in_flight.error_message();
  absl::StatusOr<int> exit_status = server_->Stop(SIGTERM, absl::Seconds(5));
  ASSERT_TRUE(exit_status.ok()) << exit_status.status();
  EXPECT_TRUE(WIFEXITED(*exit_status));
}

TEST_F(ChaosTest, ARetryAfterALostReplyGetsTheSameCommentStoredOnce) {
  StartRedis();
  absl::StatusOr<std::unique_ptr<testing::FaultProxy>> proxy =
      testing::FaultProxy::Start(redis_->socket_path(), dir_->path() + "/proxy.sock");
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  // Long enough for a slow fsync, short enough for a quick test.
  StartServer((*proxy)->url(), {{"MODERATION_REDIS_COMMAND_TIMEOUT_MS", "1000"}});
  auto portal = v1::CommentService::NewStub(channel_);
  auto submission = [&](const std::string& key) {
    v1::CreateCaptchaResponse captcha;
    EXPECT_TRUE(portal
                    ->CreateCaptcha(ContextWithin(absl::Seconds(5)).get(),
                                    testing::ReaderCaptchaRequest(), &captcha)
                    .ok());
    v1::SubmitCommentRequest request;
    request.set_article_id("thoi-su-1");
    request.set_name("Trần Thị Bình");
    request.set_title(absl::StrCat("Ý kiến ", key));
    request.set_body("Mong toà soạn đăng thêm số liệu.");
    request.set_client_ip("203.0.113.9");
    request.set_captcha_id(captcha.captcha_id());
    request.set_captcha_answer(captcha.dev_answer());
    request.set_altcha_payload(captcha.dev_altcha_payload());
    request.set_idempotency_key(key);
    return request;
  };
  // A first comment loads the queueing script into Redis, so that the next
  // one's first command is the script itself.
  v1::SubmitCommentResponse warm_up;
  ASSERT_TRUE(
      portal->SubmitComment(ContextWithin(absl::Seconds(5)).get(), submission("warm-up"), &warm_up)
          .ok());

  // The comment reaches Redis and is stored; its acknowledgement is lost.
  (*proxy)->SwallowRepliesAfter("mod:{c}:pending");
  const v1::SubmitCommentRequest request = submission("lost-reply");
  v1::SubmitCommentResponse first;
  const grpc::Status lost =
      portal->SubmitComment(ContextWithin(absl::Seconds(5)).get(), request, &first);
  EXPECT_EQ(lost.error_code(), grpc::StatusCode::UNAVAILABLE) << lost.error_message();
  EXPECT_EQ((*proxy)->swallowing(), 1);
  EXPECT_EQ(*redis_->Cli({"ZCARD", "mod:{c}:pending"}), "2") << "the first attempt was stored";
  (*proxy)->Heal();

  // The portal retries with the same key (and a fresh captcha): the same
  // comment, stored once. The server dropped its silent connection and is
  // connecting again, so it may refuse the first captcha at once, as a
  // portal would see: the portal asks again.
  v1::SubmitCommentRequest retry = request;
  v1::CreateCaptchaResponse fresh;
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        return portal
            ->CreateCaptcha(ContextWithin(absl::Seconds(5)).get(), testing::ReaderCaptchaRequest(),
                            &fresh)
            .ok();
      },
      absl::Seconds(5)));
  retry.set_captcha_id(fresh.captcha_id());
  retry.set_captcha_answer(fresh.dev_answer());
  retry.set_altcha_payload(fresh.dev_altcha_payload());
  v1::SubmitCommentResponse second;
  const grpc::Status retried =
      portal->SubmitComment(ContextWithin(absl::Seconds(5)).get(), retry, &second);
  ASSERT_TRUE(retried.ok()) << retried.error_message();
  EXPECT_EQ(second.status(), v1::SUBMISSION_STATUS_PENDING_MODERATION);
  EXPECT_EQ(*redis_->Cli({"ZCARD", "mod:{c}:pending"}), "2");
  const std::string queue = *redis_->Cli({"ZRANGE", "mod:{c}:pending", "0", "-1"});
  EXPECT_NE(queue.find(second.comment_id()), std::string::npos)
      << "the retry answered " << second.comment_id() << ", the queue holds " << queue;
  EXPECT_EQ(*redis_->Cli({"HGET", "mod:{c}:comment:" + second.comment_id(), "title"}),
            "Ý kiến lost-reply");
  // Pressing the button once more changes nothing either.
  const v1::SubmitCommentRequest another = submission("unused-too");
  retry.set_captcha_id(another.captcha_id());
  retry.set_captcha_answer(another.captcha_answer());
  v1::SubmitCommentResponse third;
  ASSERT_TRUE(portal->SubmitComment(ContextWithin(absl::Seconds(5)).get(), retry, &third).ok());
  EXPECT_EQ(third.comment_id(), second.comment_id());
  EXPECT_EQ(*redis_->Cli({"ZCARD", "mod:{c}:pending"}), "2");
}

TEST_F(ChaosTest, CallsBeyondMaxInFlightAreRefusedAtOnce) {
  StartRedis();
  StartServer(redis_->url(),
              {{"MODERATION_MAX_IN_FLIGHT", "4"}, {"MODERATION_REDIS_COMMAND_TIMEOUT_MS", "1500"}});
  // Redis freezes: every admitted call waits for it.
  ASSERT_TRUE(redis_->Signal(SIGSTOP).ok());
  constexpr int kCalls = 24;
  std::vector<grpc::StatusCode> codes(kCalls);
  std::vector<absl::Duration> took(kCalls);
  std::vector<std::thread> callers;
  for (int i = 0; i < kCalls; ++i) {
    callers.emplace_back([&, i] {
      auto stub = v1::CommentService::NewStub(channel_);
      v1::CreateCaptchaResponse response;
      const absl::Time start = absl::Now();
      codes[i] = stub->CreateCaptcha(ContextWithin(absl::Seconds(5)).get(),
                                     testing::ReaderCaptchaRequest(), &response)
                     .error_code();
      took[i] = absl::Now() - start;
    });
  }
  for (std::thread& caller : callers) {
    caller.join();
  }
  ASSERT_TRUE(redis_->Signal(SIGCONT).ok());
  int refused = 0;
  int waited = 0;
  for (int i = 0; i < kCalls; ++i) {
    if (codes[i] == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      ++refused;
      EXPECT_LT(took[i], absl::Milliseconds(500)) << "refusals must be immediate";
    } else {
      ++waited;
      EXPECT_EQ(codes[i], grpc::StatusCode::UNAVAILABLE);
      EXPECT_LT(took[i], absl::Seconds(3)) << "bounded by the Redis command timeout";
    }
  }
  std::cout << "CHAOS overload (max_in_flight 4, Redis frozen, " << kCalls
            << " calls): RESOURCE_EXHAUSTED=" << refused << " UNAVAILABLE=" << waited << "\n";
  EXPECT_LE(waited, 4 + 2) << "at most max_in_flight calls may wait";
  EXPECT_GE(refused, kCalls - 6);
}

TEST_F(ChaosTest, ACallStopsWaitingForRedisAtItsDeadline) {
  StartRedis();
  const int metrics_port = testing::PickFreePort();
  StartServer(redis_->url(),
              {{"MODERATION_REDIS_COMMAND_TIMEOUT_MS", "5000"},
               {"MODERATION_METRICS_LISTEN", absl::StrCat("127.0.0.1:", metrics_port)}});
  ASSERT_TRUE(redis_->Signal(SIGSTOP).ok());
  auto portal = v1::CommentService::NewStub(channel_);
  v1::CreateCaptchaResponse response;
  const grpc::Status status = portal->CreateCaptcha(ContextWithin(absl::Milliseconds(300)).get(),
                                                    testing::ReaderCaptchaRequest(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  // Redis is still frozen, and the server's own command timeout is 5 s: yet
  // the call is over on the server too, ended at the caller's deadline.
  httplib::Client metrics("127.0.0.1", metrics_port);
  const bool ended = testing::WaitFor(
      [&] {
        httplib::Result scraped = metrics.Get("/metrics");
        return scraped &&
               absl::StrContains(scraped->body,
                                 "moderation_rpc_requests_total{method=\"CreateCaptcha\","
                                 "code=\"DEADLINE_EXCEEDED\"} 1");
      },
      absl::Milliseconds(700));
  ASSERT_TRUE(redis_->Signal(SIGCONT).ok());
  EXPECT_TRUE(ended);
}

}  // namespace
}  // namespace moderation::chaos
