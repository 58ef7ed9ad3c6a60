#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <thread>

#include "service/learning/learned_filter.h"
#include "tests/support/await.h"
#include "tests/support/fault_proxy.h"
#include "tests/support/redis_fixture.h"

namespace moderation::learning {
namespace {

comments::Comment Decided(std::string body, comments::CommentStatus status,
                          std::optional<comments::RejectionReason> reason) {
  comments::Comment comment;
  comment.id = "01JD0000000000000000000001";
  comment.title = "Góp ý";
  comment.body = std::move(body);
  comment.status = status;
  comment.rejection_reason = reason;
  return comment;
}

class LearnedFilterTest : public testing::RedisTest {
 protected:
  static std::unique_ptr<LearnedFilter> StartFilter(
      redis::RedisClient& client, int snapshot_every = 1000,
      absl::Duration stream_retention = absl::Hours(1)) {
    LearningOptions options;
    options.poll_interval = absl::Milliseconds(20);
    options.snapshot_every = snapshot_every;
    options.stream_retention = stream_retention;
    auto filter =
        std::make_unique<LearnedFilter>(client, classifier::SpamClassifier::Untrained(), options);
    EXPECT_TRUE(filter->Start(absl::Seconds(5)).ok());
    return filter;
  }

  static void WaitForLessons(const LearnedFilter& filter, int64_t count) {
    for (int i = 0; i < 250 && filter.lessons_applied() < count; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_EQ(filter.lessons_applied(), count);
  }
};

constexpr const char* kSpam = "Vay tiền nhanh không cần thế chấp, giải ngân trong ngày";
constexpr const char* kHam = "Bài viết phân tích rất sâu về tình hình kinh tế năm nay";

TEST(LessonOfTest, ApprovalTeachesHamSpamAndAdvertisingTeachSpamOthersNothing) {
  using comments::CommentStatus;
  using comments::RejectionReason;
  EXPECT_EQ(LessonOf(Decided("x", CommentStatus::kApproved, std::nullopt)), false);
  EXPECT_EQ(LessonOf(Decided("x", CommentStatus::kRejected, RejectionReason::kSpam)), true);
  EXPECT_EQ(LessonOf(Decided("x", CommentStatus::kRejected, RejectionReason::kAdvertising)), true);
  EXPECT_EQ(LessonOf(Decided("x", CommentStatus::kRejected, RejectionReason::kOffensive)),
            std::nullopt);
}

TEST_F(LearnedFilterTest, EveryReplicaLearnsEveryDecisionAndAgrees) {
  std::unique_ptr<redis::RedisClient> client_a = Connect();
  std::unique_ptr<redis::RedisClient> client_b = Connect();
  std::unique_ptr<LearnedFilter> replica_a = StartFilter(*client_a);
  std::unique_ptr<LearnedFilter> replica_b = StartFilter(*client_b);
  const double before = replica_a->SpamProbability(kSpam);
  EXPECT_NEAR(before, 0.5, 1e-9);

  // Decisions taken on different replicas.
  replica_a->OnDecided(
      Decided(kSpam, comments::CommentStatus::kRejected, comments::RejectionReason::kSpam));
  replica_b->OnDecided(Decided(kHam, comments::CommentStatus::kApproved, std::nullopt));
  replica_b->OnDecided(Decided("Off topic", comments::CommentStatus::kRejected,
                               comments::RejectionReason::kOffTopic));  // teaches nothing
  WaitForLessons(*replica_a, 2);
  WaitForLessons(*replica_b, 2);

  // Each lesson moved its own example the way the moderator decided.
  EXPECT_GT(replica_a->SpamProbability(kSpam), 0.5);
  EXPECT_LT(replica_a->SpamProbability(kHam), 0.5);
  for (const char* text : {kSpam, kHam, "Vay tiền nhanh, giải ngân ngay", "một câu khác"}) {
    EXPECT_EQ(replica_a->SpamProbability(text), replica_b->SpamProbability(text)) << text;
  }
}

TEST_F(LearnedFilterTest, AReplicaStartedLaterCatchesUpFromTheSnapshotAndTheStream) {
  std::unique_ptr<redis::RedisClient> client_a = Connect();
  std::unique_ptr<LearnedFilter> early = StartFilter(*client_a, /*snapshot_every=*/2);
  for (int i = 0; i < 5; ++i) {
    early->OnDecided(Decided(kSpam + std::to_string(i), comments::CommentStatus::kRejected,
                             comments::RejectionReason::kAdvertising));
  }
  WaitForLessons(*early, 5);
  // The snapshot was written after lessons 2 and 4, asynchronously.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  absl::StatusOr<redis::RedisValue> snapshot =
      *testing::Await<absl::StatusOr<redis::RedisValue>>([&](auto done) {
        client_a->Execute({"EXISTS", "mod:spam:model"}, done);
      });
  ASSERT_TRUE(snapshot.ok());
  EXPECT_EQ(snapshot->integer, 1);

  std::unique_ptr<redis::RedisClient> client_b = Connect();
  std::unique_ptr<LearnedFilter> late = StartFilter(*client_b);
  // It replayed only what came after the snapshot.
  EXPECT_LT(late->lessons_applied(), 5);
  for (const char* text : {kSpam, kHam, "Vay tiền"}) {
    EXPECT_EQ(early->SpamProbability(text), late->SpamProbability(text)) << text;
  }
}

TEST_F(LearnedFilterTest, AReplicaCutOffBeyondTheRetentionReloadsTheSnapshotAndAgreesAgain) {
  // hiredis writes without MSG_NOSIGNAL: a write on a connection the proxy
  // just closed must fail with EPIPE (as in the server, which ignores
  // SIGPIPE), not end the test binary.
  std::signal(SIGPIPE, SIG_IGN);
  // Snapshots after every 100 lessons, and a retention so short that each
  // snapshot trims every whole stream node before it.
  std::unique_ptr<redis::RedisClient> client_a = Connect();
  std::unique_ptr<LearnedFilter> writer =
      StartFilter(*client_a, /*snapshot_every=*/100, absl::Milliseconds(1));
  testing::TempDir dir;
  absl::StatusOr<std::unique_ptr<testing::FaultProxy>> proxy =
      testing::FaultProxy::Start(server_->socket_path(), dir.path() + "/proxy.sock");
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  redis::RedisClientOptions through_proxy;
  through_proxy.endpoint = *redis::ParseRedisUrl((*proxy)->url());
  std::unique_ptr<redis::RedisClient> client_b = *redis::RedisClient::Create(through_proxy);
  ASSERT_TRUE(client_b->WaitUntilConnected(absl::Seconds(5)));
  std::unique_ptr<LearnedFilter> cut_off = StartFilter(*client_b);
  writer->OnDecided(Decided(kHam, comments::CommentStatus::kApproved, std::nullopt));
  WaitForLessons(*cut_off, 1);

  (*proxy)->RefuseConnections(true);
  (*proxy)->DropConnections();
  ASSERT_TRUE(testing::WaitFor([&] { return !client_b->IsConnected(); }, absl::Seconds(5)));
  for (int i = 0; i < 450; ++i) {
    writer->OnDecided(Decided(
        i % 3 == 0 ? kHam + std::to_string(i) : kSpam + std::to_string(i),
        i % 3 == 0 ? comments::CommentStatus::kApproved : comments::CommentStatus::kRejected,
        i % 3 == 0 ? std::nullopt : std::optional(comments::RejectionReason::kSpam)));
  }
  WaitForLessons(*writer, 451);
  // The lessons the cut-off replica needs next are gone from the stream.
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        std::optional<absl::StatusOr<redis::RedisValue>> length =
            testing::Await<absl::StatusOr<redis::RedisValue>>([&](auto done) {
              client_a->Execute({"XLEN", "mod:spam:lessons"}, done);
            });
        return length && length->ok() && (*length)->integer < 400;
      },
      absl::Seconds(10)));

  (*proxy)->RefuseConnections(false);
  ASSERT_TRUE(
      testing::WaitFor([&] { return cut_off->snapshot_reloads() >= 1; }, absl::Seconds(10)));
  // (Twice when the writer's next snapshot lands while it reloads.) Once it
  // has what the snapshot lacks too, it agrees with the writer again.
  for (const char* text : {kSpam, kHam, "Vay tiền nhanh, giải ngân ngay", "một câu khác"}) {
    EXPECT_TRUE(testing::WaitFor(
        [&] { return writer->SpamProbability(text) == cut_off->SpamProbability(text); },
        absl::Seconds(10)))
        << text;
  }
  EXPECT_LT(cut_off->lessons_applied(), 451);
  EXPECT_EQ(writer->snapshot_reloads(), 0);
}

TEST_F(LearnedFilterTest, StartFailsCleanlyWithoutRedis) {
  std::unique_ptr<redis::RedisClient> client = Connect();
  ASSERT_TRUE(server_->Kill().ok());
  LearnedFilter filter(*client, classifier::SpamClassifier::Untrained(), {});
  EXPECT_EQ(filter.Start(absl::Milliseconds(300)).code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace moderation::learning
