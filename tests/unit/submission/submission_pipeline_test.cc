#include "service/submission/submission_pipeline.h"

#include <gtest/gtest.h>

#include <map>

#include "service/common/errors.h"
#include "service/submission/composed_submission_store.h"
#include "tests/support/await.h"
#include "tests/support/fake_clock.h"
#include "tests/support/fake_random.h"
#include "tests/support/in_memory_ban_store.h"
#include "tests/support/in_memory_captcha_store.h"
#include "tests/support/in_memory_comment_repository.h"
#include "tests/support/in_memory_limit_store.h"
#include "tests/support/in_memory_spam_memory.h"

namespace moderation::submission {
namespace {

class TextRenderer final : public captcha::CaptchaRenderer {
 public:
  absl::StatusOr<std::string> RenderPng(absl::string_view code, RandomSource&) const override {
    return std::string(code);
  }
};

class SubmissionPipelineTest : public ::testing::Test {
 protected:
  captcha::IssuedCaptcha Issue() {
    return **testing::Await<absl::StatusOr<captcha::IssuedCaptcha>>(
        [&](auto done) { captchas_.Create(false, done); });
  }

  // A valid submission holding a fresh captcha and its answer. The strings
  // live in the fixture because RawSubmission only views them.
  validation::RawSubmission Valid(const std::string& idempotency_key = "") {
    const captcha::IssuedCaptcha issued = Issue();
    captcha_id_ = issued.captcha_id;
    answer_ = issued.answer;
    key_ = idempotency_key;
    return validation::RawSubmission{
        .article_id = "kinh-te-1",
        .name = "Trần Thị Bích",
        .phone = "0987 654 321",
        .title = "Góp ý",
        .body = "Bài viết rất hữu ích.",
        .captcha_id = captcha_id_,
        .captcha_answer = answer_,
        .client_ip = "198.51.100.23",
        .user_agent = "Mozilla/5.0",
        .idempotency_key = key_,
        .honeypot = "",
        .altcha_payload = "",
    };
  }

  absl::StatusOr<SubmissionResult> Submit(const validation::RawSubmission& raw) {
    return *testing::Await<absl::StatusOr<SubmissionResult>>(
        [&](auto done) { pipeline_.Submit(raw, done); });
  }

  comments::Comment Stored(const std::string& id) {
    return **testing::Await<absl::StatusOr<comments::Comment>>(
        [&](auto done) { repository_.Get(id, done); });
  }

  testing::FakeClock clock_;
  testing::FakeRandom random_;
  testing::InMemoryCaptchaStore captcha_store_{clock_};
  TextRenderer renderer_;
  captcha::CaptchaService captchas_{
      captcha_store_,           renderer_, nullptr, clock_, random_, "captcha-key",
      captcha::CaptchaOptions{}};
  testing::InMemoryCommentRepository repository_;
  CommentIdGenerator ids_{clock_, random_};
  crypto::ServiceKeys keys_ = *crypto::DeriveServiceKeys(std::string(32, 'm'), "k1");
  testing::InMemoryLimitStore limit_store_{clock_};
  ratelimit::RateLimiter limiter_{limit_store_, clock_, ratelimit::LimiterOptions{}};
  testing::InMemoryBanStore bans_{clock_};
  testing::InMemorySpamMemory memory_;
  ComposedSubmissionStore store_{captcha_store_, repository_, &limit_store_, &bans_, &memory_};
  SubmissionPipeline pipeline_{captchas_, store_,  &limiter_, ids_,
                               clock_,    random_, keys_,     SubmissionOptions{}};
  std::string captcha_id_;
  std::string answer_;
  std::string key_;
};

TEST_F(SubmissionPipelineTest, QueuesAValidCommentAsPending) {
  absl::StatusOr<SubmissionResult> result = Submit(Valid());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_FALSE(result->replayed);
  const comments::Comment stored = Stored(result->comment_id);
  EXPECT_EQ(stored.status, comments::CommentStatus::kPending);
  EXPECT_EQ(stored.name, "Trần Thị Bích");
  EXPECT_EQ(stored.client_network, "198.51.100.0/24");
  EXPECT_EQ(stored.create_time, clock_.Now());
}

TEST_F(SubmissionPipelineTest, KeepsPersonalDataOnlySealedOrHashed) {
  const comments::Comment stored = Stored(Submit(Valid())->comment_id);
  EXPECT_EQ(stored.phone_sealed.find("987654321"), std::string::npos);
  EXPECT_EQ(*keys_.phone_cipher.Open(stored.phone_sealed), "+84987654321");
  EXPECT_EQ(stored.client_ip_digest.size(), 64u);
  EXPECT_EQ(stored.client_ip_digest.find("198.51"), std::string::npos);
}

TEST_F(SubmissionPipelineTest, AWrongCaptchaStoresNothing) {
  validation::RawSubmission raw = Valid();
  answer_ = "ZZZZZ";
  raw.captcha_answer = answer_;
  const absl::Status status = Submit(raw).status();
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldViolationsOf(status)[0].reason, "CAPTCHA_WRONG");
  EXPECT_EQ(repository_.size(), 0u);
}

TEST_F(SubmissionPipelineTest, InvalidFieldsDoNotUseTheCaptchaUp) {
  validation::RawSubmission raw = Valid();
  raw.body = "";
  EXPECT_EQ(Submit(raw).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(captcha_store_.takes(), 0);
  raw.body = "Nội dung đã sửa.";
  EXPECT_TRUE(Submit(raw).ok());
}

TEST_F(SubmissionPipelineTest, ARetryWithTheSameKeyGetsTheFirstAnswer) {
  const validation::RawSubmission raw = Valid("retry-key-1");
  absl::StatusOr<SubmissionResult> first = Submit(raw);
  ASSERT_TRUE(first.ok()) << first.status();
  // The retry carries the same, now used, captcha.
  absl::StatusOr<SubmissionResult> retry = Submit(raw);
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_TRUE(retry->replayed);
  EXPECT_EQ(retry->comment_id, first->comment_id);
  EXPECT_EQ(repository_.size(), 1u);
}

TEST_F(SubmissionPipelineTest, AKeyReusedForOtherContentIsRefused) {
  ASSERT_TRUE(Submit(Valid("shared-key")).ok());
  validation::RawSubmission other = Valid("shared-key");
  other.body = "Một bình luận khác.";
  const absl::Status status = Submit(other).status();
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldViolationsOf(status)[0].field, "idempotency_key");
  EXPECT_EQ(FieldViolationsOf(status)[0].reason, "IDEMPOTENCY_KEY_REUSED");
  EXPECT_EQ(repository_.size(), 1u);
}

TEST_F(SubmissionPipelineTest, StorageOutageIsUnavailableAndNothingIsHalfDone) {
  const validation::RawSubmission raw = Valid("k-outage");
  repository_.set_available(false);
  EXPECT_EQ(Submit(raw).status().code(), absl::StatusCode::kUnavailable);
  repository_.set_available(true);
  EXPECT_EQ(repository_.size(), 0u);
}

TEST_F(SubmissionPipelineTest, AFloodFromOneAddressIsRateLimited) {
  // Default: three back to back per address and article.
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(Submit(Valid()).ok()) << i;
  }
  const absl::Status refused = Submit(Valid()).status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ReasonOf(refused), "RATE_LIMITED");
  EXPECT_TRUE(RetryAfterOf(refused).has_value());
  EXPECT_EQ(repository_.size(), 2u);
}

TEST_F(SubmissionPipelineTest, WrongAnswersSpendNoSubmissionButStopAGuesser) {
  // submit_ip_article allows two back to back: the mistakes must not count.
  for (int i = 0; i < 2; ++i) {
    validation::RawSubmission mistyped = Valid();
    mistyped.captcha_answer = "ZZZZZ";
    EXPECT_EQ(FieldViolationsOf(Submit(mistyped).status())[0].reason, "CAPTCHA_WRONG") << i;
  }
  ASSERT_TRUE(Submit(Valid()).ok());
  ASSERT_TRUE(Submit(Valid()).ok());

  // wrong_answer_ip: five wrong answers back to back from one address; the
  // sixth is refused for that, and so is a right answer after it.
  validation::RawSubmission guess = Valid();
  guess.client_ip = "203.0.113.66";
  guess.captcha_answer = "ZZZZZ";
  for (int i = 0; i < 5; ++i) {
    guess.captcha_id = Valid().captcha_id;
    EXPECT_EQ(Submit(guess).status().code(), absl::StatusCode::kInvalidArgument) << i;
  }
  guess.captcha_id = Valid().captcha_id;
  const absl::Status refused = Submit(guess).status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ReasonOf(refused), "RATE_LIMITED");
  EXPECT_EQ(ratelimit::LimitOf(refused), "wrong_answer_ip") << refused;
  validation::RawSubmission right = Valid();
  right.client_ip = "203.0.113.66";
  EXPECT_EQ(Submit(right).status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(repository_.size(), 2u);
}

TEST_F(SubmissionPipelineTest, AllowListedAddressesSkipTheLimits) {
  SubmissionOptions options;
  options.allow_list = *ratelimit::AllowList::Parse({"198.51.100.0/24"});
  SubmissionPipeline staff(captchas_, store_, &limiter_, ids_, clock_, random_, keys_,
                           std::move(options));
  for (int i = 0; i < 6; ++i) {
    const validation::RawSubmission raw = Valid();
    EXPECT_TRUE(testing::Await<absl::StatusOr<SubmissionResult>>([&](auto done) {
                  staff.Submit(raw, done);
                })->ok())
        << i;
  }
  EXPECT_EQ(limit_store_.checks_answered(), 0);
}

TEST_F(SubmissionPipelineTest, ABannedAuthorIsRefusedOrSilentlyDropped) {
  bans::Ban ban;
  ban.id = bans::PhoneBanId(privacy::Pseudonymiser(keys_.lookup_key), "+84987654321");
  ban.reason = "spam";
  testing::Await<absl::Status>([&](auto done) { bans_.Put(ban, done); });
  SubmissionPipeline guarded(captchas_, store_, nullptr, ids_, clock_, random_, keys_,
                             SubmissionOptions{});
  const validation::RawSubmission raw = Valid();
  absl::StatusOr<SubmissionResult> refused = *testing::Await<absl::StatusOr<SubmissionResult>>(
      [&](auto done) { guarded.Submit(raw, done); });
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_EQ(refused->outcome, SubmissionOutcome::kRefused);
  EXPECT_EQ(refused->refusal_reason, "BANNED");

  SubmissionOptions silent;
  silent.silent_bans = true;
  SubmissionPipeline quiet(captchas_, store_, nullptr, ids_, clock_, random_, keys_,
                           std::move(silent));
  const validation::RawSubmission again = Valid();
  absl::StatusOr<SubmissionResult> dropped = *testing::Await<absl::StatusOr<SubmissionResult>>(
      [&](auto done) { quiet.Submit(again, done); });
  ASSERT_TRUE(dropped.ok());
  EXPECT_EQ(dropped->outcome, SubmissionOutcome::kPendingModeration);
  EXPECT_FALSE(dropped->comment_id.empty());
  EXPECT_EQ(repository_.size(), 0u);
}

}  // namespace
}  // namespace moderation::submission

namespace moderation::submission {
namespace {

// The pipeline with spam scoring: the shipped rule weights and a small word
// list, the in-memory memory of recent bodies, no learned filter.
class SpamScoringPipelineTest : public SubmissionPipelineTest {
 protected:
  static spam::SpamRules Rules(spam::RejectAction action) {
    spam::SpamRules rules = spam::DefaultSpamRules();
    rules.banned_words.words = {"cá độ bóng đá"};
    rules.banned_words.list = spam::WordList(rules.banned_words.words);
    rules.thresholds.reject_action = action;
    rules.too_fast.min_delay = absl::ZeroDuration();
    return rules;
  }

  spam::SpamScorer scorer_{Rules(spam::RejectAction::kRefuse), nullptr};
  SubmissionPipeline spam_pipeline_{captchas_,
                                    store_,
                                    nullptr,
                                    ids_,
                                    clock_,
                                    random_,
                                    keys_,
                                    SubmissionOptions{},
                                    SpamCheck{.scorer = &scorer_}};

  absl::StatusOr<SubmissionResult> SubmitScored(const validation::RawSubmission& raw) {
    return *testing::Await<absl::StatusOr<SubmissionResult>>(
        [&](auto done) { spam_pipeline_.Submit(raw, done); });
  }
};

TEST_F(SpamScoringPipelineTest, ABannedPhraseIsRefusedAndNothingStored) {
  validation::RawSubmission raw = Valid();
  raw.body = "Tham gia CA DO BONG DA ngay hôm nay";
  absl::StatusOr<SubmissionResult> result = SubmitScored(raw);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->outcome, SubmissionOutcome::kRefused);
  EXPECT_EQ(result->refusal_reason, "BANNED_WORD");
  EXPECT_EQ(repository_.size(), 0u);
  // The captcha was used up all the same.
  EXPECT_EQ(SubmitScored(raw).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(SpamScoringPipelineTest, DiscardModeLooksAcceptedButStoresNothing) {
  scorer_.ReplaceRules(Rules(spam::RejectAction::kDiscard));
  validation::RawSubmission raw = Valid();
  raw.body = "cá độ bóng đá";
  absl::StatusOr<SubmissionResult> result = SubmitScored(raw);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->outcome, SubmissionOutcome::kPendingModeration);
  EXPECT_EQ(result->comment_id.size(), 26u);
  EXPECT_EQ(repository_.size(), 0u);
}

TEST_F(SpamScoringPipelineTest, AFlaggedCommentIsStoredWithItsSignals) {
  validation::RawSubmission raw = Valid();
  raw.body = "Cần bán xe, gọi 0912.345.678 hoặc zalo nhé";
  absl::StatusOr<SubmissionResult> result = SubmitScored(raw);
  ASSERT_TRUE(result.ok()) << result.status();
  const comments::Comment stored = Stored(result->comment_id);
  EXPECT_TRUE(stored.flagged);
  // One contact given two ways ("gọi 09..." or "zalo"): the stronger, once.
  EXPECT_EQ(stored.spam_score, 4);
  ASSERT_EQ(stored.spam_signals.size(), 1u);
  EXPECT_EQ(stored.spam_signals[0].rule, "contact");
  EXPECT_EQ(stored.spam_signals[0].detail, "mobile phone ×1, zalo");
}

TEST_F(SpamScoringPipelineTest, OnlyCommentsPastTheCaptchaAreRemembered) {
  validation::RawSubmission raw = Valid();
  raw.body = "Đội tuyển chơi rất hay trong trận đấu tối qua";
  answer_ = "ZZZZZ";
  raw.captcha_answer = answer_;
  EXPECT_FALSE(SubmitScored(raw).ok());
  EXPECT_EQ(memory_.recalls(), 1);

  raw = Valid();
  raw.body = "Đội tuyển chơi rất hay trong trận đấu tối qua";
  const comments::Comment first = Stored(SubmitScored(raw)->comment_id);
  EXPECT_TRUE(first.spam_signals.empty());

  raw = Valid();
  raw.body = "doi tuyen choi rat hay trong tran dau toi qua";
  const comments::Comment second = Stored(SubmitScored(raw)->comment_id);
  ASSERT_EQ(second.spam_signals.size(), 1u);
  EXPECT_EQ(second.spam_signals[0].rule, "repeat_post");
  EXPECT_EQ(second.spam_signals[0].detail, "posted 2 times");
  EXPECT_TRUE(second.flagged);
}

TEST_F(SpamScoringPipelineTest, TheHoneypotFieldCountsAgainstTheComment) {
  validation::RawSubmission raw = Valid();
  raw.honeypot = "http://x.example";
  absl::StatusOr<SubmissionResult> result = SubmitScored(raw);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->outcome, SubmissionOutcome::kRefused);
  EXPECT_EQ(result->refusal_reason, "SPAM_SUSPECTED");
}

// Refusal scores in a map, for the proof of work's adaptive cost.
class RecordingLedger final : public pow::CostLedger {
 public:
  void Score(std::vector<std::string>,
             absl::AnyInvocable<void(absl::StatusOr<double>) &&> done) override {
    std::move(done)(0.0);
  }
  void Record(std::vector<std::string> sources, double weight) override {
    for (const std::string& source : sources) {
      scores[source] += weight;
    }
  }
  std::map<std::string, double> scores;
};

class ProofOfWorkPipelineTest : public SubmissionPipelineTest {
 protected:
  absl::StatusOr<SubmissionResult> SubmitWithWork(validation::RawSubmission raw,
                                                  const std::string& payload) {
    payload_ = payload;
    raw.altcha_payload = payload_;
    return *testing::Await<absl::StatusOr<SubmissionResult>>(
        [&](auto done) { pow_pipeline_.Submit(raw, done); });
  }
  std::string Solved() {
    const pow::AltchaChallenge challenge = altcha_.Create(100);
    return pow::EncodeAltchaPayload(challenge, challenge.number);
  }

  pow::Altcha altcha_{"altcha-key-altcha-key-altcha-key", clock_, random_, {}};
  RecordingLedger ledger_;
  SubmissionPipeline pow_pipeline_{
      captchas_,   store_,
      &limiter_,   ids_,
      clock_,      random_,
      keys_,       SubmissionOptions{},
      SpamCheck{}, ProofOfWorkCheck{.altcha = &altcha_, .ledger = &ledger_, .observer = {}}};
  std::string payload_;
};

TEST_F(ProofOfWorkPipelineTest, ASolvedChallengeIsAcceptedOnceAndCostsNothing) {
  const std::string payload = Solved();
  ASSERT_TRUE(SubmitWithWork(Valid(), payload).ok());
  EXPECT_TRUE(ledger_.scores.empty());
  const absl::Status reused = SubmitWithWork(Valid(), payload).status();
  EXPECT_EQ(FieldViolationsOf(reused)[0].reason, "ALTCHA_ALREADY_USED");
  EXPECT_EQ(repository_.size(), 1u);
  // The reuse counts against the address, its network and the phone.
  ASSERT_EQ(ledger_.scores.size(), 3u);
  for (const auto& [source, score] : ledger_.scores) {
    EXPECT_EQ(score, 1) << source;
  }
}

TEST_F(ProofOfWorkPipelineTest, WrongAnswersCountButAMissingPayloadDoesNot) {
  EXPECT_EQ(FieldViolationsOf(SubmitWithWork(Valid(), "").status())[0].reason, "REQUIRED");
  EXPECT_TRUE(ledger_.scores.empty());
  validation::RawSubmission wrong = Valid();
  answer_ = "ZZZZZ";
  wrong.captcha_answer = answer_;
  EXPECT_EQ(FieldViolationsOf(SubmitWithWork(wrong, Solved()).status())[0].reason, "CAPTCHA_WRONG");
  EXPECT_EQ(FieldViolationsOf(SubmitWithWork(Valid(), "garbage").status())[0].reason,
            "ALTCHA_MALFORMED");
  ASSERT_EQ(ledger_.scores.size(), 3u);
  EXPECT_EQ(ledger_.scores.begin()->second, 2);
}

TEST_F(ProofOfWorkPipelineTest, ARaisedPriceIsShownToModerators) {
  const pow::AltchaChallenge challenge = altcha_.Create(100, 3.5);
  absl::StatusOr<SubmissionResult> result =
      SubmitWithWork(Valid(), pow::EncodeAltchaPayload(challenge, challenge.number));
  ASSERT_TRUE(result.ok()) << result.status();
  const comments::Comment stored = Stored(result->comment_id);
  ASSERT_EQ(stored.spam_signals.size(), 1u);
  EXPECT_EQ(stored.spam_signals[0].rule, "pow_cost");
  EXPECT_TRUE(stored.spam_signals[0].shadow);
  EXPECT_NE(stored.spam_signals[0].detail.find("3.5"), std::string::npos);
}

}  // namespace
}  // namespace moderation::submission
