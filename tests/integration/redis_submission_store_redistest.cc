#include <gtest/gtest.h>

#include <atomic>

#include "service/captcha/redis_captcha_store.h"
#include "service/comments/redis_comment_repository.h"
#include "service/spam/redis_spam_memory.h"
#include "service/storage/redis/keys.h"
#include "service/submission/redis_submission_store.h"
#include "tests/support/await.h"
#include "tests/support/redis_fixture.h"

namespace moderation::submission {
namespace {

// The submission script against a real Redis: what it does, what it leaves
// alone, and that it is one command.
class RedisSubmissionStoreTest : public testing::RedisTest {
 protected:
  redis::RedisClientOptions ClientOptions() override {
    redis::RedisClientOptions options;
    options.observer = [this](absl::string_view, absl::Duration) { commands_.fetch_add(1); };
    return options;
  }

  void SetUpWithRedis() override {
    store_ = std::make_unique<RedisSubmissionStore>(*client_);
    captchas_ = std::make_unique<captcha::RedisCaptchaStore>(*client_);
    repository_ = std::make_unique<comments::RedisCommentRepository>(*client_, audit_chain_);
  }

  // A plan for a fresh comment whose captcha (saved here) is answered right.
  SubmissionPlan Plan(const std::string& id) {
    const std::string captcha_id = "cap-" + id;
    EXPECT_TRUE(testing::Await<absl::Status>([&](auto done) {
                  captchas_->Save(captcha_id, "digest-" + id, absl::Minutes(5), done);
                })->ok());
    SubmissionPlan plan;
    plan.captcha = {.captcha_id = captcha_id,
                    .answer_digest = "digest-" + id,
                    .expire_time = absl::Now() + absl::Minutes(5)};
    plan.limits = {
        {.key = "submit_ip:aa", .emission_interval = absl::Seconds(10), .burst = 3},
        {.key = "submit_global:all", .emission_interval = absl::Microseconds(10), .burst = 1000}};
    plan.limit_shadow = {false, false};
    plan.limit_required = {false, false};
    plan.ban_ids = {"phone-bb", "ip-cc"};
    plan.comment.id = id;
    plan.comment.article_id = "a1";
    plan.comment.name = "Lê Văn Tám";
    plan.comment.title = "Ý kiến";
    plan.comment.body = "Bài viết rất hay, cảm ơn tác giả.";
    plan.comment.client_ip_digest = std::string(64, 'a');
    plan.comment.client_network = "203.0.113.0/24";
    plan.comment.create_time = absl::FromUnixMillis(1790000000123);
    plan.comment.status = comments::CommentStatus::kPending;
    return plan;
  }

  // The memory of recent bodies, with a repeat and a near-duplicate verdict
  // that flag the comment.
  static void WithBody(SubmissionPlan& plan, const std::string& digest, uint64_t simhash,
                       const std::string& author) {
    plan.body = spam::BodyRecord{.body_digest = digest,
                                 .simhash = simhash,
                                 .author_digest = author,
                                 .repeat_window = absl::Minutes(10),
                                 .near_window = absl::Minutes(10),
                                 .max_distance = 3};
    plan.repeat_eligible = true;
    plan.near_duplicate_min_authors = 1;
    plan.if_repeat = {
        .action = spam::SpamAction::kFlag,
        .score = 6,
        .signals = {{"repeat_post", 6,
                     absl::StrCat("posted ", std::string(1, spam::kCountMark), " times"), false}}};
    plan.if_near_duplicate = {
        .action = spam::SpamAction::kFlag,
        .score = 5,
        .signals = {{"near_duplicate", 5,
                     absl::StrCat(std::string(1, spam::kCountMark), " other author(s)"), false}}};
  }

  absl::StatusOr<SubmissionReply> Commit(SubmissionPlan plan) {
    return *testing::Await<absl::StatusOr<SubmissionReply>>(
        [&](auto done) { store_->Commit(std::move(plan), done); });
  }

  redis::RedisValue Run(redis::Command command) {
    return **testing::Await<absl::StatusOr<redis::RedisValue>>(
        [&](auto done) { client_->Execute(std::move(command), done); });
  }

  // How many copies of a body the memory of recent bodies holds at the plans'
  // time (4 bytes each in its period's hash).
  int64_t RememberedCopies(const std::string& digest) {
    const spam::SpamMemoryStep step =
        spam::SpamMemoryStepFor(spam::BodyRecord{.body_digest = digest,
                                                 .simhash = std::nullopt,
                                                 .author_digest = "",
                                                 .repeat_window = absl::Minutes(10),
                                                 .near_window = absl::Minutes(10)},
                                absl::FromUnixMillis(1790000000123));
    return static_cast<int64_t>(Run({"HGET", step.keys[0], step.body_field}).string.size() / 4);
  }

  absl::StatusOr<comments::Comment> Get(const std::string& id) {
    return *testing::Await<absl::StatusOr<comments::Comment>>(
        [&](auto done) { repository_->Get(id, done); });
  }

  std::atomic<int> commands_{0};
  std::unique_ptr<RedisSubmissionStore> store_;
  std::unique_ptr<captcha::RedisCaptchaStore> captchas_;
  audit::AuditChain audit_chain_{std::string(32, 'k')};
  std::unique_ptr<comments::RedisCommentRepository> repository_;
};

TEST_F(RedisSubmissionStoreTest, AValidSubmissionIsOneCommandThatQueuesTheComment) {
  SubmissionPlan plan = Plan("c1");
  plan.idempotency =
      comments::IdempotencyRecord{.key_digest = "k1", .fingerprint = "f1", .ttl = absl::Hours(1)};
  WithBody(plan, "body-1", 0x1234567890abcdefULL, "author-1");
  // Redis learns the script on first use (EVALSHA answered NOSCRIPT, then
  // loaded); every later submission is the one command.
  ASSERT_TRUE(Commit(Plan("c0")).ok());
  const int before = commands_.load();
  absl::StatusOr<SubmissionReply> reply = Commit(std::move(plan));
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(commands_.load() - before, 1);

  EXPECT_TRUE(reply->stored);
  EXPECT_FALSE(reply->prior);
  EXPECT_EQ(reply->captcha.outcome, captcha::TakeOutcome::kTaken);
  EXPECT_EQ(reply->captcha.answer_digest, "digest-c1");
  ASSERT_EQ(reply->limits.size(), 2u);
  EXPECT_TRUE(reply->limits[0]->allowed);
  EXPECT_FALSE(reply->banned);
  EXPECT_EQ(reply->recollection.earlier_copies, 0);

  absl::StatusOr<comments::Comment> stored = Get("c1");
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->body, "Bài viết rất hay, cảm ơn tác giả.");
  EXPECT_FALSE(stored->flagged);
  EXPECT_EQ(Run({"ZSCORE", redis::keys::PendingQueue(), "1c1"}).string, "0");
  EXPECT_EQ(Run({"GET", redis::keys::Idempotency("k1")}).string, "c1 f1");
  EXPECT_EQ(Run({"EXISTS", redis::keys::RateLimit("submit_ip:aa")}).integer, 1);
  EXPECT_EQ(RememberedCopies("body-1"), 1);
}

TEST_F(RedisSubmissionStoreTest, AWrongAnswerUsesTheCaptchaAndItsOwnLimitAndStoresNothing) {
  SubmissionPlan plan = Plan("c2");
  plan.captcha.answer_digest = "not-the-digest";
  plan.limits.push_back(
      {.key = "wrong_answer_ip:aa", .emission_interval = absl::Minutes(2), .burst = 5});
  plan.limit_shadow.push_back(false);
  plan.limit_required.push_back(false);
  plan.limit_counts_wrong_answers = {false, false, true};
  WithBody(plan, "body-2", 0x1111ULL, "author-2");
  absl::StatusOr<SubmissionReply> reply = Commit(std::move(plan));
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_FALSE(reply->stored);
  EXPECT_EQ(reply->captcha.answer_digest, "digest-c2");
  EXPECT_EQ(Run({"EXISTS", redis::keys::Comment("c2")}).integer, 0);
  EXPECT_EQ(Run({"ZCARD", redis::keys::PendingQueue()}).integer, 0);
  // A wrong answer counts on the wrong-answer limit only, so a reader who
  // mistypes spends no submission; the body is not remembered, so the
  // reader's next try is no repeat.
  EXPECT_EQ(Run({"EXISTS", redis::keys::RateLimit("wrong_answer_ip:aa")}).integer, 1);
  EXPECT_EQ(Run({"EXISTS", redis::keys::RateLimit("submit_ip:aa")}).integer, 0);
  EXPECT_EQ(RememberedCopies("body-2"), 0);
  // Used up: a second attempt finds it used.
  SubmissionPlan again = Plan("c2b");
  again.captcha.captcha_id = "cap-c2";
  EXPECT_EQ(Commit(std::move(again))->captcha.outcome, captcha::TakeOutcome::kAlreadyUsed);
}

TEST_F(RedisSubmissionStoreTest, ALimitThatRefusesMeansNoLimitIsRecorded) {
  SubmissionPlan first = Plan("c3");
  first.limits = {{.key = "submit_phone:pp", .emission_interval = absl::Hours(1), .burst = 1}};
  first.limit_shadow = {false};
  ASSERT_TRUE(Commit(std::move(first))->stored);

  SubmissionPlan second = Plan("c4");
  second.limits = {{.key = "submit_ip:fresh", .emission_interval = absl::Hours(1), .burst = 5},
                   {.key = "submit_phone:pp", .emission_interval = absl::Hours(1), .burst = 1}};
  second.limit_shadow = {false, false};
  absl::StatusOr<SubmissionReply> reply = Commit(std::move(second));
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_FALSE(reply->stored);
  EXPECT_TRUE(reply->limits[0]->allowed);
  EXPECT_FALSE(reply->limits[1]->allowed);
  EXPECT_GT(reply->limits[1]->retry_after, absl::Minutes(59));
  EXPECT_EQ(Run({"EXISTS", redis::keys::RateLimit("submit_ip:fresh")}).integer, 0);

  // The same limit in shadow mode is counted, never refuses.
  SubmissionPlan shadowed = Plan("c5");
  shadowed.limits = {{.key = "submit_phone:pp", .emission_interval = absl::Hours(1), .burst = 1}};
  shadowed.limit_shadow = {true};
  reply = Commit(std::move(shadowed));
  EXPECT_TRUE(reply->stored);
  EXPECT_FALSE(reply->limits[0]->allowed);
}

TEST_F(RedisSubmissionStoreTest, ARetryGetsTheFirstAnswerAndTouchesNothingElse) {
  SubmissionPlan first = Plan("c6");
  first.idempotency =
      comments::IdempotencyRecord{.key_digest = "k6", .fingerprint = "f6", .ttl = absl::Hours(1)};
  ASSERT_TRUE(Commit(std::move(first))->stored);

  SubmissionPlan retry = Plan("c7");
  retry.idempotency =
      comments::IdempotencyRecord{.key_digest = "k6", .fingerprint = "f7", .ttl = absl::Hours(1)};
  absl::StatusOr<SubmissionReply> reply = Commit(std::move(retry));
  ASSERT_TRUE(reply.ok()) << reply.status();
  ASSERT_TRUE(reply->prior);
  EXPECT_EQ(reply->prior->comment_id, "c6");
  EXPECT_EQ(reply->prior->fingerprint, "f6");
  EXPECT_FALSE(reply->stored);
  EXPECT_EQ(Run({"GET", redis::keys::Captcha("cap-c7")}).string, "digest-c7");
  EXPECT_EQ(Run({"EXISTS", redis::keys::Comment("c7")}).integer, 0);
}

TEST_F(RedisSubmissionStoreTest, ABanStoresNothing) {
  ASSERT_EQ(Run({"SET", redis::keys::Ban("ip-cc"), "ban"}).string, "OK");
  SubmissionPlan plan = Plan("c8");
  WithBody(plan, "body-8", 0x8888ULL, "author-8");
  absl::StatusOr<SubmissionReply> reply = Commit(std::move(plan));
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_TRUE(reply->banned);
  EXPECT_FALSE(reply->stored);
  EXPECT_EQ(RememberedCopies("body-8"), 0);
}

TEST_F(RedisSubmissionStoreTest, ARepeatIsStoredWithItsVerdictAndTheCountFilledIn) {
  for (const char* id : {"r1", "r2", "r3"}) {
    SubmissionPlan plan = Plan(id);
    WithBody(plan, "same-body", 0xabcdULL, "author-r");
    ASSERT_TRUE(Commit(std::move(plan))->stored) << id;
  }
  EXPECT_FALSE(Get("r1")->flagged);
  absl::StatusOr<comments::Comment> third = Get("r3");
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_TRUE(third->flagged);
  EXPECT_EQ(third->spam_score, 6);
  ASSERT_EQ(third->spam_signals.size(), 1u);
  EXPECT_EQ(third->spam_signals[0].detail, "posted 3 times");
  // Flagged comments are listed first.
  EXPECT_EQ(Run({"ZSCORE", redis::keys::PendingQueue(), "0r3"}).string, "0");
}

TEST_F(RedisSubmissionStoreTest, ANearDuplicateFromAnotherAuthorIsCountedOncePerAuthor) {
  SubmissionPlan first = Plan("n1");
  WithBody(first, "body-n1", 0xf0f0f0f0f0f0f0f0ULL, "author-a");
  ASSERT_TRUE(Commit(std::move(first))->stored);
  // Same author, two bits off: not evidence.
  SubmissionPlan own = Plan("n2");
  WithBody(own, "body-n2", 0xf0f0f0f0f0f0f0f3ULL, "author-a");
  absl::StatusOr<SubmissionReply> reply = Commit(std::move(own));
  EXPECT_EQ(reply->recollection.near_duplicate_authors, 0);
  // Another author, differing in the high and the low half: found.
  SubmissionPlan other = Plan("n3");
  WithBody(other, "body-n3", 0x70f0f0f0f0f0f0f1ULL, "author-b");
  reply = Commit(std::move(other));
  EXPECT_EQ(reply->recollection.near_duplicate_authors, 1);
  absl::StatusOr<comments::Comment> stored = Get("n3");
  ASSERT_TRUE(stored.ok()) << stored.status();
  ASSERT_EQ(stored->spam_signals.size(), 1u);
  EXPECT_EQ(stored->spam_signals[0].detail, "1 other author(s)");
  // Sharing bands with all of them, but many bits off each: too far.
  SubmissionPlan far = Plan("n4");
  WithBody(far, "body-n4", 0xf0f0f0f0f0f0f0ffULL ^ 0x0f00000000000000ULL, "author-c");
  EXPECT_EQ(Commit(std::move(far))->recollection.near_duplicate_authors, 0);
}

TEST_F(RedisSubmissionStoreTest, ARejectedCommentIsRememberedButNotStored) {
  SubmissionPlan plan = Plan("s1");
  WithBody(plan, "spam-body", 0x5555ULL, "author-s");
  plan.if_nothing = {.action = spam::SpamAction::kReject, .score = 12, .signals = {}};
  absl::StatusOr<SubmissionReply> reply = Commit(std::move(plan));
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_FALSE(reply->stored);
  EXPECT_EQ(Run({"EXISTS", redis::keys::Comment("s1")}).integer, 0);
  EXPECT_EQ(RememberedCopies("spam-body"), 1);
}

TEST_F(RedisSubmissionStoreTest, DigestsAndTextTravelByteForByte) {
  // A real answer's digest is bytes, not text; the comment is Vietnamese with
  // quotes, a backslash and a line break, which the plan's JSON must escape.
  const std::string digest("\x00\xff\"\\{\x01\x80 tail", 12);
  SubmissionPlan plan = Plan("bin");
  ASSERT_TRUE(testing::Await<absl::Status>([&](auto done) {
                captchas_->Save(plan.captcha.captcha_id, digest, absl::Minutes(5), done);
              })->ok());
  plan.captcha.answer_digest = digest;
  plan.comment.body = "Câu \"trích dẫn\" \\ và\nxuống dòng — đúng không?";
  absl::StatusOr<SubmissionReply> reply = Commit(std::move(plan));
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->captcha.outcome, captcha::TakeOutcome::kTaken);
  EXPECT_EQ(reply->captcha.answer_digest, digest);
  EXPECT_TRUE(reply->stored);
  absl::StatusOr<comments::Comment> stored = Get("bin");
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->body, "Câu \"trích dẫn\" \\ và\nxuống dòng — đúng không?");
}

TEST_F(RedisSubmissionStoreTest, AnAudioCaptchaTakesEitherOfItsTwoAnswers) {
  // An audio captcha stores the image's digest and the spoken code's side by
  // side; the spoken one is right too, and either is used up with the other.
  SubmissionPlan plan = Plan("aud");
  const std::string image(32, 'i');
  const std::string spoken(32, 's');
  ASSERT_TRUE(testing::Await<absl::Status>([&](auto done) {
                captchas_->Save(plan.captcha.captcha_id, image + spoken, absl::Minutes(5), done);
              })->ok());
  plan.captcha.answer_digest = spoken;
  absl::StatusOr<SubmissionReply> reply = Commit(std::move(plan));
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_TRUE(reply->stored);

  SubmissionPlan wrong = Plan("aud2");
  ASSERT_TRUE(testing::Await<absl::Status>([&](auto done) {
                captchas_->Save(wrong.captcha.captcha_id, image + spoken, absl::Minutes(5), done);
              })->ok());
  // Straddling the two halves is no answer.
  wrong.captcha.answer_digest = std::string(16, 'i') + std::string(16, 's');
  reply = Commit(std::move(wrong));
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_FALSE(reply->stored);
}

TEST_F(RedisSubmissionStoreTest, UnreachableRedisIsUnavailable) {
  SubmissionPlan plan = Plan("u1");
  ASSERT_TRUE(server_->Kill().ok());
  absl::StatusOr<SubmissionReply> reply = Commit(std::move(plan));
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(RedisSubmissionStoreTest, AProofOfWorkIsUsedUpInTheSameRoundTrip) {
  SubmissionPlan first = Plan("p1");
  first.proof_of_work =
      ProofOfWorkClaim{.challenge = std::string(64, 'e'), .ttl = absl::Minutes(5)};
  ASSERT_TRUE(Commit(Plan("p0")).ok());  // the script is loaded
  const int before = commands_.load();
  absl::StatusOr<SubmissionReply> reply = Commit(std::move(first));
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(commands_.load() - before, 1);
  EXPECT_TRUE(reply->stored);
  EXPECT_FALSE(reply->proof_of_work_reused);
  const std::string key = redis::keys::ProofOfWork(std::string(64, 'e'));
  const redis::RedisValue ttl = Run({"PTTL", key});
  EXPECT_GT(ttl.integer, 290000);
  EXPECT_LE(ttl.integer, 300000);

  // The same solution with a right captcha: refused, nothing stored.
  SubmissionPlan again = Plan("p2");
  again.proof_of_work =
      ProofOfWorkClaim{.challenge = std::string(64, 'e'), .ttl = absl::Minutes(5)};
  reply = Commit(std::move(again));
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_TRUE(reply->proof_of_work_reused);
  EXPECT_FALSE(reply->stored);
  EXPECT_EQ(Get("p2").status().code(), absl::StatusCode::kNotFound);

  // A wrong captcha still uses a fresh proof of work up.
  SubmissionPlan wrong = Plan("p3");
  wrong.captcha.answer_digest = "not-the-digest";
  wrong.proof_of_work =
      ProofOfWorkClaim{.challenge = std::string(64, 'f'), .ttl = absl::Minutes(5)};
  reply = Commit(std::move(wrong));
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_FALSE(reply->stored);
  EXPECT_FALSE(reply->proof_of_work_reused);
  EXPECT_EQ(Run({"EXISTS", redis::keys::ProofOfWork(std::string(64, 'f'))}).integer, 1);
}

}  // namespace
}  // namespace moderation::submission
