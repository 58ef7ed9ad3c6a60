#include <gtest/gtest.h>

#include "service/comments/redis_comment_repository.h"
#include "service/common/errors.h"
#include "service/storage/redis/keys.h"
#include "tests/support/await.h"
#include "tests/support/in_memory_comment_repository.h"
#include "tests/support/redis_fixture.h"

namespace moderation::comments {
namespace {

// The cases every CommentRepository must pass run against the in-memory fake
// that unit tests use and the Redis implementation alike
// (CommentRepositoryContractTest); what only Redis can get wrong (keys,
// durability, outages) runs against Redis alone (RedisCommentRepositoryTest).
class CommentRepositoryTestBase : public testing::RedisTest {
 protected:
  virtual bool AgainstRedis() const = 0;

  void SetUpWithRedis() override {
    if (AgainstRedis()) {
      repository_ = std::make_unique<RedisCommentRepository>(*client_, audit_chain_);
    } else {
      repository_ = std::make_unique<testing::InMemoryCommentRepository>();
    }
  }

  void Reconnect() {
    repository_.reset();
    client_.reset();
    client_ = Connect();
    ASSERT_NE(client_, nullptr);
    repository_ = std::make_unique<RedisCommentRepository>(*client_, audit_chain_);
  }

  static Comment MakeComment(const std::string& id, const std::string& article = "a1") {
    Comment comment;
    comment.id = id;
    comment.article_id = article;
    comment.name = "Phạm Thị Dung";
    comment.title = "Tiêu đề";
    comment.body = "Nội dung\nnhiều dòng";
    comment.phone_sealed = "v1.k1.sealed";
    comment.client_ip_digest = std::string(64, 'a');
    comment.client_network = "203.0.113.0/24";
    comment.create_time = absl::FromUnixMillis(1790000000123);
    return comment;
  }

  absl::StatusOr<EnqueueResult> Enqueue(const Comment& comment,
                                        std::optional<IdempotencyRecord> record = std::nullopt) {
    return *testing::Await<absl::StatusOr<EnqueueResult>>(
        [&](auto done) { repository_->Enqueue(comment, record, done); });
  }
  absl::StatusOr<Comment> Get(const std::string& id) {
    return *testing::Await<absl::StatusOr<Comment>>([&](auto done) { repository_->Get(id, done); });
  }
  absl::StatusOr<Comment> Decide(const std::string& id, CommentStatus status) {
    Decision decision;
    decision.status = status;
    decision.moderator = "mod-1";
    decision.time = absl::FromUnixMillis(1790000100000);
    decision.undo_window = absl::Minutes(2);
    if (status == CommentStatus::kRejected) {
      decision.rejection_reason = RejectionReason::kOffensive;
      decision.note = "xúc phạm";
    }
    return *testing::Await<absl::StatusOr<Comment>>(
        [&](auto done) { repository_->Decide(id, decision, done); });
  }
  absl::StatusOr<CommentPage> Pending(const std::string& after, int limit) {
    return *testing::Await<absl::StatusOr<CommentPage>>(
        [&](auto done) { repository_->ListPending(PendingFilter(), after, limit, done); });
  }
  absl::StatusOr<CommentPage> Approved(const std::string& article, const std::string& after,
                                       int limit) {
    return *testing::Await<absl::StatusOr<CommentPage>>(
        [&](auto done) { repository_->ListApproved(article, after, limit, done); });
  }

  audit::AuditChain audit_chain_{std::string(32, 'a')};
  std::unique_ptr<CommentRepository> repository_;
};

class CommentRepositoryContractTest : public CommentRepositoryTestBase,
                                      public ::testing::WithParamInterface<std::string> {
 protected:
  bool AgainstRedis() const override { return GetParam() == "redis"; }
};

INSTANTIATE_TEST_SUITE_P(Implementations, CommentRepositoryContractTest,
                         ::testing::Values("memory", "redis"),
                         [](const ::testing::TestParamInfo<std::string>& implementation) {
                           return implementation.param;
                         });

class RedisCommentRepositoryTest : public CommentRepositoryTestBase {
 protected:
  bool AgainstRedis() const override { return true; }
};

TEST_P(CommentRepositoryContractTest, StoresAndReadsBackEveryField) {
  const Comment comment = MakeComment("01JD0000000000000000000001");
  ASSERT_TRUE(Enqueue(comment).ok());
  absl::StatusOr<Comment> stored = Get(comment.id);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->name, comment.name);
  EXPECT_EQ(stored->body, comment.body);
  EXPECT_EQ(stored->phone_sealed, comment.phone_sealed);
  EXPECT_EQ(stored->client_network, comment.client_network);
  EXPECT_EQ(stored->create_time, comment.create_time);
  EXPECT_EQ(stored->status, CommentStatus::kPending);
  EXPECT_EQ(Get("01JD0000000000000000000009").status().code(), absl::StatusCode::kNotFound);
}

TEST_P(CommentRepositoryContractTest, PendingIsFlaggedFirstThenOldestFirstAndPaged) {
  for (const char* id :
       {"01JD0000000000000000000003", "01JD0000000000000000000001", "01JD0000000000000000000002"}) {
    ASSERT_TRUE(Enqueue(MakeComment(id)).ok());
  }
  Comment flagged = MakeComment("01JD0000000000000000000004");
  flagged.flagged = true;
  ASSERT_TRUE(Enqueue(flagged).ok());

  absl::StatusOr<CommentPage> first = Pending("", 2);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->total, 4);
  ASSERT_EQ(first->comments.size(), 2u);
  EXPECT_EQ(first->comments[0].id, "01JD0000000000000000000004");
  EXPECT_TRUE(first->comments[0].flagged);
  EXPECT_EQ(first->comments[1].id, "01JD0000000000000000000001");
  EXPECT_EQ(first->next_cursor, "101JD0000000000000000000001");
  absl::StatusOr<CommentPage> second = Pending(first->next_cursor, 2);
  ASSERT_EQ(second->comments.size(), 2u);
  EXPECT_EQ(second->comments[0].id, "01JD0000000000000000000002");
  EXPECT_EQ(second->comments[1].id, "01JD0000000000000000000003");
  EXPECT_TRUE(second->next_cursor.empty());

  // A decided flagged comment leaves the queue like any other.
  ASSERT_TRUE(Decide("01JD0000000000000000000004", CommentStatus::kApproved).ok());
  EXPECT_EQ(Pending("", 10)->total, 3);
}

TEST_P(CommentRepositoryContractTest, SpamScoreAndSignalsRoundTrip) {
  Comment comment = MakeComment("01JD0000000000000000000001");
  comment.spam_score = 7.5;
  comment.flagged = true;
  comment.spam_signals = {{"suspect_words", 3, "vay tiền, nhà cái", false},
                          {"contact", 4, "phone ×1", false},
                          {"shouting", 1.5, "90% upper case", true}};
  ASSERT_TRUE(Enqueue(comment).ok());
  absl::StatusOr<Comment> stored = Get(comment.id);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->spam_score, 7.5);
  EXPECT_TRUE(stored->flagged);
  ASSERT_EQ(stored->spam_signals.size(), 3u);
  EXPECT_EQ(stored->spam_signals[0].rule, "suspect_words");
  EXPECT_EQ(stored->spam_signals[0].detail, "vay tiền, nhà cái");
  EXPECT_EQ(stored->spam_signals[1].score, 4);
  EXPECT_TRUE(stored->spam_signals[2].shadow);
  EXPECT_FALSE(stored->spam_signals[1].shadow);
}

TEST_P(CommentRepositoryContractTest, DecisionsAreCompareAndSet) {
  ASSERT_TRUE(Enqueue(MakeComment("01JD0000000000000000000001")).ok());
  absl::StatusOr<Comment> approved = Decide("01JD0000000000000000000001", CommentStatus::kApproved);
  ASSERT_TRUE(approved.ok()) << approved.status();
  EXPECT_EQ(approved->status, CommentStatus::kApproved);
  EXPECT_EQ(approved->decided_by, "mod-1");

  const absl::Status again =
      Decide("01JD0000000000000000000001", CommentStatus::kRejected).status();
  EXPECT_EQ(again.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(again), "COMMENT_NOT_PENDING");
  EXPECT_EQ(Get("01JD0000000000000000000001")->status, CommentStatus::kApproved);
  EXPECT_FALSE(Get("01JD0000000000000000000001")->rejection_reason.has_value());
  EXPECT_EQ(Pending("", 10)->total, 0);
  EXPECT_EQ(Decide("01JD0000000000000000000009", CommentStatus::kApproved).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(CommentRepositoryContractTest, RejectionKeepsReasonAndNote) {
  ASSERT_TRUE(Enqueue(MakeComment("01JD0000000000000000000001")).ok());
  absl::StatusOr<Comment> rejected = Decide("01JD0000000000000000000001", CommentStatus::kRejected);
  ASSERT_TRUE(rejected.ok());
  EXPECT_EQ(rejected->rejection_reason, RejectionReason::kOffensive);
  EXPECT_EQ(rejected->decision_note, "xúc phạm");
  EXPECT_TRUE(Approved("a1", "", 10)->comments.empty());
}

TEST_P(CommentRepositoryContractTest, ConcurrentDecisionsOnOneCommentLetOneWin) {
  ASSERT_TRUE(Enqueue(MakeComment("01JD0000000000000000000001")).ok());
  std::atomic<int> wins{0};
  std::atomic<int> refused{0};
  std::atomic<int> remaining{20};
  absl::Notification done;
  for (int i = 0; i < 20; ++i) {
    Decision decision;
    decision.status = i % 2 == 0 ? CommentStatus::kApproved : CommentStatus::kRejected;
    decision.rejection_reason = RejectionReason::kSpam;
    decision.moderator = "m" + std::to_string(i);
    decision.time = absl::Now();
    repository_->Decide(
        "01JD0000000000000000000001", decision, [&](absl::StatusOr<Comment> result) {
          if (result.ok()) {
            ++wins;
          } else if (result.status().code() == absl::StatusCode::kFailedPrecondition) {
            ++refused;
          }
          if (--remaining == 0) {
            done.Notify();
          }
        });
  }
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_EQ(wins.load(), 1);
  EXPECT_EQ(refused.load(), 19);
}

TEST_P(CommentRepositoryContractTest, ApprovedListIsPerArticleNewestFirst) {
  for (const char* id :
       {"01JD0000000000000000000001", "01JD0000000000000000000002", "01JD0000000000000000000003"}) {
    ASSERT_TRUE(Enqueue(MakeComment(id)).ok());
    ASSERT_TRUE(Decide(id, CommentStatus::kApproved).ok());
  }
  ASSERT_TRUE(Enqueue(MakeComment("01JD0000000000000000000004", "a2")).ok());
  ASSERT_TRUE(Decide("01JD0000000000000000000004", CommentStatus::kApproved).ok());

  absl::StatusOr<CommentPage> first = Approved("a1", "", 2);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->comments.size(), 2u);
  EXPECT_EQ(first->comments[0].id, "01JD0000000000000000000003");
  EXPECT_EQ(first->comments[1].id, "01JD0000000000000000000002");
  absl::StatusOr<CommentPage> second = Approved("a1", first->next_cursor, 2);
  ASSERT_EQ(second->comments.size(), 1u);
  EXPECT_EQ(second->comments[0].id, "01JD0000000000000000000001");
  EXPECT_TRUE(Approved("nothing-here", "", 10)->comments.empty());
}

TEST_P(CommentRepositoryContractTest, TheApprovedVersionChangesWithEveryApprovedList) {
  const auto version = [&] {
    absl::StatusOr<int64_t> read = *testing::Await<absl::StatusOr<int64_t>>(
        [&](auto done) { repository_->ApprovedVersion(done); });
    EXPECT_TRUE(read.ok()) << read.status();
    return read.value_or(-1);
  };
  const int64_t start = version();
  EXPECT_GE(start, 0);
  ASSERT_TRUE(Enqueue(MakeComment("01JD0000000000000000000001")).ok());
  ASSERT_TRUE(Enqueue(MakeComment("01JD0000000000000000000002")).ok());
  EXPECT_EQ(version(), start) << "a pending comment changes no approved list";
  ASSERT_TRUE(Decide("01JD0000000000000000000001", CommentStatus::kRejected).ok());
  EXPECT_EQ(version(), start) << "nor does a rejection";
  ASSERT_TRUE(Decide("01JD0000000000000000000002", CommentStatus::kApproved).ok());
  const int64_t approved = version();
  EXPECT_NE(approved, start);
  UndoOrder order;
  order.moderator = "mod-1";
  order.session = "s1";
  order.time = absl::FromUnixMillis(1790000100000) + absl::Seconds(1);
  order.window = absl::Minutes(2);
  order.claim_ttl = absl::Minutes(1);
  order.expected_status = CommentStatus::kApproved;
  order.audit.action = audit::Action::kUndo;
  order.audit.actor = "mod-1";
  order.audit.time = order.time;
  order.audit.comment_id = "01JD0000000000000000000002";
  order.audit.undone = audit::Action::kApprove;
  ASSERT_TRUE(testing::Await<absl::StatusOr<Comment>>([&](auto done) {
                repository_->Undo("01JD0000000000000000000002", order, done);
              })->ok());
  EXPECT_NE(version(), approved) << "an approval undone leaves its article's list";
}

TEST_P(CommentRepositoryContractTest, IdempotencyRecordReturnsTheFirstSubmission) {
  const IdempotencyRecord record{std::string(64, 'k'), "fingerprint-1", absl::Hours(1)};
  ASSERT_TRUE(Enqueue(MakeComment("01JD0000000000000000000001"), record).ok());
  absl::StatusOr<EnqueueResult> again = Enqueue(MakeComment("01JD0000000000000000000002"), record);
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE(again->prior.has_value());
  EXPECT_EQ(again->comment_id, "01JD0000000000000000000001");
  EXPECT_EQ(again->prior->fingerprint, "fingerprint-1");
  EXPECT_EQ(Pending("", 10)->total, 1);
  EXPECT_EQ(Get("01JD0000000000000000000002").status().code(), absl::StatusCode::kNotFound);

  std::optional<PriorSubmission> prior =
      **testing::Await<absl::StatusOr<std::optional<PriorSubmission>>>(
          [&](auto done) { repository_->FindPrior(record.key_digest, done); });
  ASSERT_TRUE(prior.has_value());
  EXPECT_EQ(prior->comment_id, "01JD0000000000000000000001");
}

TEST_F(RedisCommentRepositoryTest, KeysCarryNoPersonalDataInClear) {
  const IdempotencyRecord record{std::string(64, 'f'), "fp", absl::Hours(1)};
  ASSERT_TRUE(Enqueue(MakeComment("01JD0000000000000000000001"), record).ok());
  absl::StatusOr<std::string> keys = server_->Cli({"--no-raw", "KEYS", "*"});
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->find("203.0.113"), std::string::npos);
  EXPECT_NE(keys->find("mod:{c}:pending"), std::string::npos);
}

// An acknowledged comment must survive Redis dying without warning: the
// shipped configuration fsyncs the append-only file before every reply.
TEST_F(RedisCommentRepositoryTest, AnAcknowledgedCommentSurvivesKillNine) {
  ASSERT_TRUE(Enqueue(MakeComment("01JD0000000000000000000001")).ok());
  ASSERT_TRUE(Decide("01JD0000000000000000000001", CommentStatus::kApproved).ok());
  ASSERT_TRUE(Enqueue(MakeComment("01JD0000000000000000000002")).ok());
  ASSERT_TRUE(server_->Kill().ok());
  ASSERT_TRUE(server_->Restart().ok());
  Reconnect();

  absl::StatusOr<Comment> pending = Get("01JD0000000000000000000002");
  ASSERT_TRUE(pending.ok()) << pending.status();
  EXPECT_EQ(pending->status, CommentStatus::kPending);
  EXPECT_EQ(Pending("", 10)->total, 1);
  EXPECT_EQ(Approved("a1", "", 10)->comments.size(), 1u);
}

TEST_F(RedisCommentRepositoryTest, StorageOutageIsUnavailable) {
  ASSERT_TRUE(server_->Kill().ok());
  ASSERT_TRUE(testing::WaitFor([&] { return !client_->IsConnected(); }, absl::Seconds(5)));
  EXPECT_EQ(Enqueue(MakeComment("01JD0000000000000000000001")).status().code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace moderation::comments
