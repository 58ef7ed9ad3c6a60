#include <gtest/gtest.h>

#include <atomic>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "service/audit/redis_audit_log.h"
#include "service/comments/redis_comment_repository.h"
#include "service/common/errors.h"
#include "service/storage/redis/keys.h"
#include "tests/support/await.h"
#include "tests/support/in_memory_comment_repository.h"
#include "tests/support/redis_fixture.h"

// The review side of the comment repository (claims, undo, filters, author
// histories) and the RedisAuditLog entries its decisions write.
namespace moderation::comments {
namespace {

constexpr char kAuditKey[] = "0123456789abcdef0123456789abcdef";

// The review cases every CommentRepository must pass run against the
// in-memory fake and Redis alike (ReviewContractTest); the audit chain and
// what only Redis can get wrong run against Redis (RedisReviewAndAuditTest).
class ReviewTestBase : public testing::RedisTest {
 protected:
  virtual bool AgainstRedis() const = 0;

  void SetUpWithRedis() override {
    if (AgainstRedis()) {
      repository_ = std::make_unique<RedisCommentRepository>(*client_, chain_);
      log_ = std::make_unique<audit::RedisAuditLog>(*client_, chain_);
    } else {
      repository_ = std::make_unique<testing::InMemoryCommentRepository>();
    }
  }

  // Ids that sort in creation order: the last two digits vary.
  static std::string Id(int n) { return absl::StrFormat("01JD00000000000000000000%02d", n); }

  static Comment MakeComment(int n, const std::string& ip_hex = std::string(64, 'a'),
                             const std::string& phone_hex = "") {
    Comment comment;
    comment.id = Id(n);
    comment.article_id = "a1";
    comment.name = "Trần Thị Bích";
    comment.title = "Ý kiến";
    comment.body = "Nội dung";
    comment.client_ip_digest = ip_hex;
    comment.phone_digest = phone_hex;
    comment.client_network = "203.0.113.0/24";
    comment.create_time = absl::FromUnixMillis(1790000000000 + int64_t{n} * 1000);
    return comment;
  }

  void Enqueue(const Comment& comment) {
    ASSERT_TRUE(testing::Await<absl::StatusOr<EnqueueResult>>([&](auto done) {
                  repository_->Enqueue(comment, std::nullopt, done);
                })->ok());
  }

  absl::StatusOr<Comment> Decide(const std::string& id, const std::string& moderator,
                                 CommentStatus status = CommentStatus::kApproved,
                                 absl::Time time = absl::FromUnixMillis(1790000100000)) {
    Decision decision;
    decision.status = status;
    if (status == CommentStatus::kRejected) {
      decision.rejection_reason = RejectionReason::kSpam;
    }
    decision.moderator = moderator;
    decision.time = time;
    decision.undo_window = absl::Minutes(2);
    decision.audit.action =
        status == CommentStatus::kApproved ? audit::Action::kApprove : audit::Action::kReject;
    decision.audit.actor = moderator;
    decision.audit.time = time;
    decision.audit.comment_id = id;
    return *testing::Await<absl::StatusOr<Comment>>(
        [&](auto done) { repository_->Decide(id, decision, done); });
  }

  absl::StatusOr<Comment> Undo(const std::string& id, const std::string& moderator,
                               CommentStatus was, absl::Time time) {
    UndoOrder order;
    order.moderator = moderator;
    order.session = "s1";
    order.time = time;
    order.window = absl::Minutes(2);
    order.claim_ttl = absl::Minutes(5);
    order.expected_status = was;
    order.audit.action = audit::Action::kUndo;
    order.audit.actor = moderator;
    order.audit.time = time;
    order.audit.comment_id = id;
    order.audit.undone =
        was == CommentStatus::kApproved ? audit::Action::kApprove : audit::Action::kReject;
    return *testing::Await<absl::StatusOr<Comment>>(
        [&](auto done) { repository_->Undo(id, order, done); });
  }

  std::optional<Comment> Claim(const std::string& moderator, const std::string& session = "s1",
                               std::vector<std::string> exclude = {},
                               const std::string& release = "", PendingFilter filter = {}) {
    ClaimOrder order;
    order.filter = std::move(filter);
    order.moderator = moderator;
    order.session = session;
    order.exclude = std::move(exclude);
    order.release_id = release;
    order.now = absl::Now();
    order.ttl = absl::Minutes(5);
    absl::StatusOr<ClaimResult> result = *testing::Await<absl::StatusOr<ClaimResult>>(
        [&](auto done) { repository_->ClaimNext(order, done); });
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? result->comment : std::nullopt;
  }

  std::vector<std::string> PendingIds(const PendingFilter& filter) {
    absl::StatusOr<CommentPage> page = *testing::Await<absl::StatusOr<CommentPage>>(
        [&](auto done) { repository_->ListPending(filter, "", 50, done); });
    EXPECT_TRUE(page.ok()) << page.status();
    std::vector<std::string> ids;
    for (const Comment& comment : page->comments) {
      ids.push_back(comment.id);
    }
    return ids;
  }

  audit::Verification Verify() {
    absl::StatusOr<audit::Verification> verification =
        *testing::Await<absl::StatusOr<audit::Verification>>(
            [&](auto done) { log_->Verify(done); });
    EXPECT_TRUE(verification.ok()) << verification.status();
    return verification.ok() ? *verification : audit::Verification{};
  }

  audit::AuditChain chain_{kAuditKey};
  std::unique_ptr<CommentRepository> repository_;
  std::unique_ptr<audit::RedisAuditLog> log_;  // against Redis only
};

class ReviewContractTest : public ReviewTestBase,
                           public ::testing::WithParamInterface<std::string> {
 protected:
  bool AgainstRedis() const override { return GetParam() == "redis"; }
};

INSTANTIATE_TEST_SUITE_P(Implementations, ReviewContractTest, ::testing::Values("memory", "redis"),
                         [](const ::testing::TestParamInfo<std::string>& implementation) {
                           return implementation.param;
                         });

class RedisReviewAndAuditTest : public ReviewTestBase {
 protected:
  bool AgainstRedis() const override { return true; }
};

TEST_P(ReviewContractTest, TwoModeratorsNeverClaimTheSameComment) {
  for (int n = 1; n <= 3; ++n) {
    Enqueue(MakeComment(n));
  }
  std::optional<Comment> lan = Claim("lan");
  std::optional<Comment> mai = Claim("mai");
  ASSERT_TRUE(lan && mai);
  EXPECT_EQ(lan->id, Id(1));
  EXPECT_EQ(mai->id, Id(2));
  // A session asking again gets its own claim back first (a resumed review).
  EXPECT_EQ(Claim("lan")->id, Id(1));
  // Another session of the same moderator does not.
  EXPECT_EQ(Claim("lan", "s2")->id, Id(3));
  EXPECT_FALSE(Claim("hoa").has_value());

  // Listing shows who reviews what.
  absl::StatusOr<CommentPage> page = *testing::Await<absl::StatusOr<CommentPage>>(
      [&](auto done) { repository_->ListPending(PendingFilter(), "", 10, done); });
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->comments[0].claimed_by, "lan");
  EXPECT_EQ(page->comments[1].claimed_by, "mai");
}

TEST_P(ReviewContractTest, ManySessionsClaimingAtOnceGetDistinctComments) {
  for (int n = 1; n <= 40; ++n) {
    Enqueue(MakeComment(n));
  }
  std::atomic<int> remaining{40};
  absl::Notification done;
  absl::Mutex mutex;
  std::multiset<std::string> claimed;
  for (int i = 0; i < 40; ++i) {
    ClaimOrder order;
    order.moderator = "m" + std::to_string(i);
    order.now = absl::Now();
    order.ttl = absl::Minutes(1);
    repository_->ClaimNext(order, [&](absl::StatusOr<ClaimResult> result) {
      if (result.ok() && result->comment) {
        absl::MutexLock lock(&mutex);
        claimed.insert(result->comment->id);
      }
      if (--remaining == 0) {
        done.Notify();
      }
    });
  }
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  absl::MutexLock lock(&mutex);
  EXPECT_EQ(claimed.size(), 40u);
  EXPECT_EQ(std::set<std::string>(claimed.begin(), claimed.end()).size(), 40u);
}

TEST_P(ReviewContractTest, ASkipReleasesTheClaimAndMovesOn) {
  Enqueue(MakeComment(1));
  Enqueue(MakeComment(2));
  ASSERT_EQ(Claim("lan")->id, Id(1));
  EXPECT_EQ(Claim("lan", "s1", {Id(1)}, Id(1))->id, Id(2));
  // Released: someone else may take it now.
  EXPECT_EQ(Claim("mai")->id, Id(1));
  // A release by someone who does not hold the claim changes nothing.
  EXPECT_FALSE(testing::Await<absl::StatusOr<bool>>([&](auto done) {
                 repository_->ReleaseClaim(Id(1), "lan", done);
               })->value());
  EXPECT_TRUE(testing::Await<absl::StatusOr<bool>>([&](auto done) {
                repository_->ReleaseClaim(Id(1), "mai", done);
              })->value());
}

TEST_F(RedisReviewAndAuditTest, ADecisionEndsTheClaimAndMayComeFromAnyone) {
  Enqueue(MakeComment(1));
  ASSERT_EQ(Claim("lan")->id, Id(1));
  ASSERT_TRUE(Decide(Id(1), "mai").ok());
  absl::StatusOr<std::string> claim = server_->Cli({"EXISTS", redis::keys::Claim(Id(1))});
  ASSERT_TRUE(claim.ok());
  EXPECT_EQ(*claim, "0");
}

TEST_P(ReviewContractTest, OnlyTheLastOwnDecisionWithinTheWindowCanBeUndone) {
  Enqueue(MakeComment(1));
  Enqueue(MakeComment(2));
  const absl::Time decided = absl::FromUnixMillis(1790000100000);
  ASSERT_TRUE(Decide(Id(1), "lan", CommentStatus::kApproved, decided).ok());
  ASSERT_TRUE(Decide(Id(2), "lan", CommentStatus::kRejected, decided).ok());

  // Not the last one.
  absl::Status refused = Undo(Id(1), "lan", CommentStatus::kApproved, decided).status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(refused), "UNDO_NOT_ALLOWED");
  // Not theirs.
  EXPECT_FALSE(Undo(Id(2), "mai", CommentStatus::kRejected, decided).ok());
  // Too late.
  EXPECT_FALSE(Undo(Id(2), "lan", CommentStatus::kRejected, decided + absl::Minutes(3)).ok());

  absl::StatusOr<Comment> undone =
      Undo(Id(2), "lan", CommentStatus::kRejected, decided + absl::Seconds(5));
  ASSERT_TRUE(undone.ok()) << undone.status();
  EXPECT_EQ(undone->status, CommentStatus::kPending);
  EXPECT_FALSE(undone->rejection_reason.has_value());
  EXPECT_TRUE(undone->decided_by.empty());
  EXPECT_EQ(PendingIds({}), std::vector<std::string>{Id(2)});
  // It comes back claimed by the moderator who undid it.
  EXPECT_FALSE(Claim("mai").has_value());
  EXPECT_EQ(Claim("lan")->id, Id(2));
  // Once only.
  EXPECT_FALSE(Undo(Id(2), "lan", CommentStatus::kPending, decided + absl::Seconds(6)).ok());
}

TEST_P(ReviewContractTest, UndoingAnApprovalTakesItOffTheArticle) {
  Enqueue(MakeComment(1));
  const absl::Time decided = absl::FromUnixMillis(1790000100000);
  ASSERT_TRUE(Decide(Id(1), "lan", CommentStatus::kApproved, decided).ok());
  ASSERT_TRUE(Undo(Id(1), "lan", CommentStatus::kApproved, decided + absl::Seconds(1)).ok());
  absl::StatusOr<CommentPage> approved = *testing::Await<absl::StatusOr<CommentPage>>(
      [&](auto done) { repository_->ListApproved("a1", "", 10, done); });
  EXPECT_TRUE(approved->comments.empty());
}

TEST_P(ReviewContractTest, FiltersNarrowTheQueueServerSide) {
  Comment spam = MakeComment(1, std::string(64, 'b'), std::string(64, 'c'));
  spam.flagged = true;
  spam.spam_score = 7;
  spam.spam_signals = {{"contact", 4, "phone ×1", false}, {"shouting", 3, "caps", true}};
  Enqueue(spam);
  Comment other_article = MakeComment(2);
  other_article.article_id = "a2";
  other_article.client_network = "198.51.100.0/24";
  Enqueue(other_article);
  Enqueue(MakeComment(3, std::string(64, 'b')));

  PendingFilter by_rule;
  by_rule.spam_rule = "contact";
  EXPECT_EQ(PendingIds(by_rule), std::vector<std::string>{Id(1)});
  PendingFilter shadow_rule;
  shadow_rule.spam_rule = "shouting";  // in shadow mode: did not count
  EXPECT_TRUE(PendingIds(shadow_rule).empty());
  PendingFilter by_score;
  by_score.min_spam_score = 5;
  EXPECT_EQ(PendingIds(by_score), std::vector<std::string>{Id(1)});
  PendingFilter by_article;
  by_article.article_id = "a2";
  EXPECT_EQ(PendingIds(by_article), std::vector<std::string>{Id(2)});
  PendingFilter by_address;
  by_address.author_key = IpAuthorKey(spam);
  EXPECT_EQ(PendingIds(by_address), (std::vector<std::string>{Id(1), Id(3)}));
  PendingFilter by_phone;
  by_phone.author_key = PhoneAuthorKey(spam);
  EXPECT_EQ(PendingIds(by_phone), std::vector<std::string>{Id(1)});
  PendingFilter by_network;
  by_network.client_network = "198.51.100.0/24";
  EXPECT_EQ(PendingIds(by_network), std::vector<std::string>{Id(2)});
  PendingFilter by_age;
  by_age.created_at_or_before = MakeComment(2).create_time;
  EXPECT_EQ(PendingIds(by_age), (std::vector<std::string>{Id(1), Id(2)}));
  PendingFilter flagged;
  flagged.flagged_only = true;
  EXPECT_EQ(PendingIds(flagged), std::vector<std::string>{Id(1)});
  // A claim follows the filter too.
  EXPECT_EQ(Claim("lan", "s1", {}, "", by_article)->id, Id(2));
}

TEST_P(ReviewContractTest, AFilterOverALongQueueAnswersInBoundedPages) {
  for (int n = 1; n <= 99; ++n) {
    Enqueue(MakeComment(n));
  }
  PendingFilter none_match;
  none_match.article_id = "nowhere";
  absl::StatusOr<CommentPage> page = *testing::Await<absl::StatusOr<CommentPage>>(
      [&](auto done) { repository_->ListPending(none_match, "", 10, done); });
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->comments.empty());
  EXPECT_TRUE(page->next_cursor.empty()) << "the whole queue fits in one scan";
  EXPECT_EQ(page->total, 99);
}

TEST_P(ReviewContractTest, AuthorHistoryCountsOutcomesByPhoneAndAddress) {
  const std::string ip(64, 'd');
  const std::string phone(64, 'e');
  for (int n = 1; n <= 4; ++n) {
    Enqueue(MakeComment(n, ip, n <= 2 ? phone : ""));
  }
  ASSERT_TRUE(Decide(Id(1), "lan", CommentStatus::kRejected).ok());
  ASSERT_TRUE(Decide(Id(3), "lan", CommentStatus::kApproved).ok());
  const Comment current = MakeComment(4, ip);
  absl::StatusOr<std::vector<AuthorRecord>> history =
      *testing::Await<absl::StatusOr<std::vector<AuthorRecord>>>([&](auto done) {
        repository_->AuthorHistory({PhoneAuthorKeyFromDigest(phone), IpAuthorKey(current)},
                                   current.id, done);
      });
  ASSERT_TRUE(history.ok()) << history.status();
  ASSERT_EQ(history->size(), 2u);
  const AuthorRecord& by_phone = (*history)[0];
  EXPECT_EQ(by_phone.other_comments, 2);
  EXPECT_EQ(by_phone.rejected, 1);
  EXPECT_EQ(by_phone.pending, 1);
  const AuthorRecord& by_address = (*history)[1];
  EXPECT_EQ(by_address.other_comments, 3);
  EXPECT_EQ(by_address.approved, 1);
  EXPECT_EQ(by_address.rejected, 1);
  EXPECT_EQ(by_address.pending, 1);
  ASSERT_EQ(by_address.recent.size(), 3u);
  EXPECT_EQ(by_address.recent[0].id, Id(3));  // newest first
  if (!AgainstRedis()) {
    return;
  }
  // Digests only, never the address or number, in the index keys.
  absl::StatusOr<std::string> keys = server_->Cli({"--no-raw", "KEYS", "mod:{c}:author:*"});
  ASSERT_TRUE(keys.ok());
  EXPECT_NE(keys->find("ip-dddd"), std::string::npos) << *keys;
  EXPECT_NE(keys->find("ph-eeee"), std::string::npos) << *keys;
}

TEST_F(RedisReviewAndAuditTest, EveryDecisionAndUndoIsInTheAuditChain) {
  Enqueue(MakeComment(1));
  Enqueue(MakeComment(2));
  const absl::Time decided = absl::FromUnixMillis(1790000100000);
  ASSERT_TRUE(Decide(Id(1), "lan", CommentStatus::kRejected, decided).ok());
  ASSERT_TRUE(Undo(Id(1), "lan", CommentStatus::kRejected, decided + absl::Seconds(1)).ok());
  ASSERT_TRUE(Decide(Id(2), "mai", CommentStatus::kApproved, decided).ok());
  // A refused decision writes nothing.
  ASSERT_FALSE(Decide(Id(2), "mai").ok());

  absl::StatusOr<std::vector<audit::Entry>> about_first =
      *testing::Await<absl::StatusOr<std::vector<audit::Entry>>>(
          [&](auto done) { log_->ForComment(Id(1), done); });
  ASSERT_TRUE(about_first.ok());
  ASSERT_EQ(about_first->size(), 2u);
  EXPECT_EQ((*about_first)[0].event.action, audit::Action::kReject);
  EXPECT_EQ((*about_first)[1].event.action, audit::Action::kUndo);

  const audit::Verification verification = Verify();
  EXPECT_EQ(verification.checked, 3);
  EXPECT_EQ(verification.head_sequence, 3);
  EXPECT_FALSE(verification.first_break.has_value());
}

TEST_F(RedisReviewAndAuditTest, ConcurrentWritersOfTwoReplicasKeepOneChain) {
  for (int n = 1; n <= 30; ++n) {
    Enqueue(MakeComment(n));
  }
  // A second replica: its own client, chain and repository, the same Redis.
  std::unique_ptr<redis::RedisClient> other_client = Connect();
  ASSERT_NE(other_client, nullptr);
  audit::AuditChain other_chain(kAuditKey);
  RedisCommentRepository other(*other_client, other_chain);
  audit::RedisAuditLog other_log(*other_client, other_chain);

  std::atomic<int> remaining{32};
  std::atomic<int> failures{0};
  absl::Notification done;
  for (int n = 1; n <= 30; ++n) {
    Decision decision;
    decision.moderator = n % 2 == 0 ? "lan" : "mai";
    decision.time = absl::Now();
    decision.undo_window = absl::Minutes(2);
    decision.audit.actor = decision.moderator;
    decision.audit.time = decision.time;
    decision.audit.comment_id = Id(n);
    (n % 2 == 0 ? *repository_ : other)
        .Decide(Id(n), decision, [&](absl::StatusOr<Comment> result) {
          failures += result.ok() ? 0 : 1;
          if (--remaining == 0) {
            done.Notify();
          }
        });
  }
  for (audit::AuditLog* log :
       {static_cast<audit::AuditLog*>(log_.get()), static_cast<audit::AuditLog*>(&other_log)}) {
    audit::Event ban;
    ban.action = audit::Action::kBan;
    ban.actor = "admin";
    ban.time = absl::Now();
    ban.ban_id = "ip-1234";
    log->Append(ban, [&](absl::StatusOr<audit::Entry> appended) {
      failures += appended.ok() ? 0 : 1;
      if (--remaining == 0) {
        done.Notify();
      }
    });
  }
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(20)));
  EXPECT_EQ(failures.load(), 0);
  const audit::Verification verification = Verify();
  EXPECT_EQ(verification.checked, 32);
  EXPECT_EQ(verification.head_sequence, 32);
  EXPECT_FALSE(verification.first_break.has_value());
}

TEST_F(RedisReviewAndAuditTest, TamperingIsFoundWhereItHappened) {
  for (int n = 1; n <= 4; ++n) {
    Enqueue(MakeComment(n));
    ASSERT_TRUE(Decide(Id(n), "lan").ok());
  }
  ASSERT_FALSE(Verify().first_break.has_value());
  absl::StatusOr<std::string> ids =
      server_->Cli({"EVAL",
                    "local out = {} for _, e in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) "
                    "do out[#out + 1] = e[1] end return out",
                    "1", redis::keys::AuditLog()});
  ASSERT_TRUE(ids.ok());
  std::vector<std::string> entry_ids = absl::StrSplit(*ids, '\n', absl::SkipEmpty());
  ASSERT_EQ(entry_ids.size(), 4u);

  // Entries cannot be edited in place in a stream: rewrite it as an intruder
  // would, with the same ids and one field changed.
  const std::string rewrite =
      "local all = redis.call('XRANGE', KEYS[1], '-', '+') redis.call('DEL', KEYS[1]) "
      "for _, e in ipairs(all) do local f = e[2] "
      "if e[1] == ARGV[1] then for i = 1, #f, 2 do if f[i] == 'actor' then f[i + 1] = ARGV[2] "
      "end end end redis.call('XADD', KEYS[1], e[1], unpack(f)) end return #all";
  ASSERT_TRUE(
      server_->Cli({"EVAL", rewrite, "1", redis::keys::AuditLog(), entry_ids[2], "mai"}).ok());
  audit::Verification verification = Verify();
  ASSERT_TRUE(verification.first_break.has_value());
  EXPECT_EQ(verification.first_break->entry_id, entry_ids[2]);
  EXPECT_EQ(verification.first_break->sequence, 3);
  EXPECT_EQ(verification.first_break->problem, audit::Problem::kAltered);

  // Put it back, then remove an entry: the next one shows the gap.
  ASSERT_TRUE(
      server_->Cli({"EVAL", rewrite, "1", redis::keys::AuditLog(), entry_ids[2], "lan"}).ok());
  ASSERT_FALSE(Verify().first_break.has_value());
  ASSERT_TRUE(server_->Cli({"XDEL", redis::keys::AuditLog(), entry_ids[1]}).ok());
  verification = Verify();
  ASSERT_TRUE(verification.first_break.has_value());
  EXPECT_EQ(verification.first_break->entry_id, entry_ids[2]);
  EXPECT_EQ(verification.first_break->problem, audit::Problem::kSequenceGap);
}

TEST_F(RedisReviewAndAuditTest, RemovingTheNewestEntriesIsFoundAtTheHead) {
  for (int n = 1; n <= 3; ++n) {
    Enqueue(MakeComment(n));
    ASSERT_TRUE(Decide(Id(n), "lan").ok());
  }
  absl::StatusOr<std::string> last =
      server_->Cli({"EVAL", "return redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1][1]",
                    "1", redis::keys::AuditLog()});
  ASSERT_TRUE(last.ok());
  ASSERT_TRUE(server_
                  ->Cli({"XDEL", redis::keys::AuditLog(),
                         std::string(absl::StripTrailingAsciiWhitespace(*last))})
                  .ok());
  const audit::Verification verification = Verify();
  ASSERT_TRUE(verification.first_break.has_value());
  EXPECT_EQ(verification.first_break->problem, audit::Problem::kHeadMismatch);
  EXPECT_EQ(verification.first_break->sequence, 2);
}

TEST_F(RedisReviewAndAuditTest, AuditListingFiltersByModeratorAndPages) {
  for (int n = 1; n <= 6; ++n) {
    Enqueue(MakeComment(n));
    ASSERT_TRUE(Decide(Id(n), n % 3 == 0 ? "mai" : "lan").ok());
  }
  audit::Query query;
  query.actor = "lan";
  query.limit = 3;
  absl::StatusOr<audit::Page> page =
      *testing::Await<absl::StatusOr<audit::Page>>([&](auto done) { log_->List(query, done); });
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->entries.size(), 3u);
  EXPECT_EQ(page->entries[0].event.comment_id, Id(5));  // newest first
  EXPECT_EQ(page->entries[2].event.comment_id, Id(2));
  ASSERT_FALSE(page->next_page_token.empty());
  query.after = page->next_page_token;
  page = *testing::Await<absl::StatusOr<audit::Page>>([&](auto done) { log_->List(query, done); });
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->entries.size(), 1u);
  EXPECT_EQ(page->entries[0].event.comment_id, Id(1));
  EXPECT_TRUE(page->next_page_token.empty());
}

}  // namespace
}  // namespace moderation::comments
