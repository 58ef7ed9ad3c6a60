// One set of cases per store interface, run against the in-memory fake that
// unit tests use and against the Redis implementation alike: a fake that
// answers differently from production makes the unit tests above it prove
// nothing. (The limit store has its own file: limit_store_contract_redistest.cc.)
//
// Time: the fakes read an injected clock, Redis expires keys by its own. A
// case that needs time to pass calls Pass, which moves the fake's clock or,
// against Redis, sleeps; such cases use windows of a few hundred milliseconds.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "service/bans/redis_ban_store.h"
#include "service/captcha/redis_captcha_store.h"
#include "service/spam/redis_spam_memory.h"
#include "tests/support/await.h"
#include "tests/support/fake_clock.h"
#include "tests/support/in_memory_ban_store.h"
#include "tests/support/in_memory_captcha_store.h"
#include "tests/support/in_memory_spam_memory.h"
#include "tests/support/redis_fixture.h"

namespace moderation {
namespace {

constexpr char kMemory[] = "memory";
constexpr char kRedis[] = "redis";

// The base of every contract: which implementation runs, and its clock.
class StoreContractTest : public testing::RedisTest,
                          public ::testing::WithParamInterface<std::string> {
 protected:
  [[nodiscard]] bool AgainstRedis() const { return GetParam() == kRedis; }
  // The clock the store under test reads.
  [[nodiscard]] const Clock& StoreClock() const {
    return AgainstRedis() ? static_cast<const Clock&>(system_clock_) : fake_clock_;
  }
  // Lets `duration` pass for the store under test.
  void Pass(absl::Duration duration) {
    if (AgainstRedis()) {
      absl::SleepFor(duration);
    } else {
      fake_clock_.Advance(duration);
    }
  }

  testing::FakeClock fake_clock_;
  SystemClock system_clock_;
};

std::string ImplementationName(const ::testing::TestParamInfo<std::string>& info) {
  return info.param;
}

// --- CaptchaStore -----------------------------------------------------------

class CaptchaStoreContractTest : public StoreContractTest {
 protected:
  void SetUpWithRedis() override {
    if (AgainstRedis()) {
      store_ = std::make_unique<captcha::RedisCaptchaStore>(*client_);
    } else {
      store_ = std::make_unique<testing::InMemoryCaptchaStore>(fake_clock_);
    }
  }

  absl::Status Save(const std::string& id, const std::string& digest, absl::Duration ttl) {
    return *testing::Await<absl::Status>([&](auto done) { store_->Save(id, digest, ttl, done); });
  }
  captcha::TakeOutcome Take(const std::string& id, std::string* digest = nullptr) {
    absl::StatusOr<captcha::TakeResult> taken =
        *testing::Await<absl::StatusOr<captcha::TakeResult>>(
            [&](auto done) { store_->Take(id, done); });
    EXPECT_TRUE(taken.ok()) << taken.status();
    if (!taken.ok()) {
      return captcha::TakeOutcome::kMissing;
    }
    if (digest != nullptr) {
      *digest = taken->answer_digest;
    }
    return taken->outcome;
  }
  bool Claim(const std::string& challenge, absl::Duration ttl) {
    absl::StatusOr<bool> first = *testing::Await<absl::StatusOr<bool>>(
        [&](auto done) { store_->ClaimProofOfWork(challenge, ttl, done); });
    EXPECT_TRUE(first.ok()) << first.status();
    return first.value_or(false);
  }

  std::unique_ptr<captcha::CaptchaStore> store_;
};

TEST_P(CaptchaStoreContractTest, ACaptchaIsTakenOnceThenReadsAsUsed) {
  ASSERT_TRUE(Save("c1", "digest-bytes", absl::Minutes(5)).ok());
  std::string digest;
  EXPECT_EQ(Take("c1", &digest), captcha::TakeOutcome::kTaken);
  EXPECT_EQ(digest, "digest-bytes");
  EXPECT_EQ(Take("c1"), captcha::TakeOutcome::kAlreadyUsed);
  EXPECT_EQ(Take("never-issued"), captcha::TakeOutcome::kMissing);
  // Asking about an unknown captcha did not create it.
  EXPECT_EQ(Take("never-issued"), captcha::TakeOutcome::kMissing);
}

TEST_P(CaptchaStoreContractTest, AnExpiredCaptchaIsMissingUsedOrNot) {
  ASSERT_TRUE(Save("short", "d1", absl::Milliseconds(300)).ok());
  ASSERT_TRUE(Save("used", "d2", absl::Milliseconds(300)).ok());
  ASSERT_EQ(Take("used"), captcha::TakeOutcome::kTaken);
  Pass(absl::Milliseconds(600));
  EXPECT_EQ(Take("short"), captcha::TakeOutcome::kMissing);
  EXPECT_EQ(Take("used"), captcha::TakeOutcome::kMissing);
}

TEST_P(CaptchaStoreContractTest, SavingAgainReplacesTheAnswerAndTheUse) {
  ASSERT_TRUE(Save("c2", "first", absl::Minutes(1)).ok());
  ASSERT_EQ(Take("c2"), captcha::TakeOutcome::kTaken);
  ASSERT_TRUE(Save("c2", "second", absl::Minutes(1)).ok());
  std::string digest;
  EXPECT_EQ(Take("c2", &digest), captcha::TakeOutcome::kTaken);
  EXPECT_EQ(digest, "second");
}

TEST_P(CaptchaStoreContractTest, ConcurrentAttemptsOnOneCaptchaLetExactlyOneThrough) {
  ASSERT_TRUE(Save("c3", "d", absl::Minutes(1)).ok());
  constexpr int kAttempts = 50;
  std::atomic<int> taken{0};
  std::atomic<int> remaining{kAttempts};
  absl::Notification done;
  std::vector<std::thread> threads;
  for (int t = 0; t < 5; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kAttempts / 5; ++i) {
        store_->Take("c3", [&](absl::StatusOr<captcha::TakeResult> result) {
          if (result.ok() && result->outcome == captcha::TakeOutcome::kTaken) {
            ++taken;
          }
          if (--remaining == 0) {
            done.Notify();
          }
        });
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_EQ(taken.load(), 1);
}

TEST_P(CaptchaStoreContractTest, AProofOfWorkIsClaimedOnceWhileItsRecordLasts) {
  EXPECT_TRUE(Claim("challenge-a", absl::Milliseconds(300)));
  EXPECT_FALSE(Claim("challenge-a", absl::Milliseconds(300)));
  EXPECT_TRUE(Claim("challenge-b", absl::Milliseconds(300)));
  Pass(absl::Milliseconds(600));
  // The record outlives the challenge it guards (the verifier refuses an
  // expired one), so once it is gone a claim is first again.
  EXPECT_TRUE(Claim("challenge-a", absl::Minutes(1)));
}

INSTANTIATE_TEST_SUITE_P(Implementations, CaptchaStoreContractTest,
                         ::testing::Values(kMemory, kRedis), ImplementationName);

// --- BanStore ---------------------------------------------------------------

class BanStoreContractTest : public StoreContractTest {
 protected:
  void SetUpWithRedis() override {
    if (AgainstRedis()) {
      store_ = std::make_unique<bans::RedisBanStore>(*client_, system_clock_);
    } else {
      store_ = std::make_unique<testing::InMemoryBanStore>(fake_clock_);
    }
    // Bans of one test are made at fixed offsets from here: against Redis,
    // reading the clock for each would let real time reorder them.
    start_ = absl::FromUnixMillis(absl::ToUnixMillis(StoreClock().Now()));
  }

  bans::Ban MakeBan(const std::string& id, std::optional<absl::Duration> lasting,
                    absl::Duration created_later = absl::ZeroDuration()) {
    bans::Ban ban;
    ban.id = id;
    ban.kind = bans::BanKind::kPhone;
    ban.target_display = "+84 9•• ••• •45";
    ban.reason = "rao vặt";
    ban.created_by = "mod";
    ban.create_time = start_ + created_later;
    if (lasting) {
      ban.expire_time = ban.create_time + *lasting;
    }
    return ban;
  }
  absl::Status Put(const bans::Ban& ban) {
    return *testing::Await<absl::Status>([&](auto done) { store_->Put(ban, done); });
  }
  absl::Status Delete(const std::string& id) {
    return *testing::Await<absl::Status>([&](auto done) { store_->Delete(id, done); });
  }
  std::optional<bans::Ban> Find(std::vector<std::string> ids) {
    absl::StatusOr<std::optional<bans::Ban>> found =
        *testing::Await<absl::StatusOr<std::optional<bans::Ban>>>(
            [&](auto done) { store_->FindAny(ids, absl::Seconds(1), done); });
    EXPECT_TRUE(found.ok()) << found.status();
    return found.value_or(std::nullopt);
  }
  std::vector<std::string> ListedIds(int offset, int limit) {
    absl::StatusOr<std::vector<bans::Ban>> listed =
        *testing::Await<absl::StatusOr<std::vector<bans::Ban>>>(
            [&](auto done) { store_->List(offset, limit, done); });
    EXPECT_TRUE(listed.ok()) << listed.status();
    std::vector<std::string> ids;
    for (const bans::Ban& ban : listed.value_or(std::vector<bans::Ban>{})) {
      ids.push_back(ban.id);
    }
    return ids;
  }

  std::unique_ptr<bans::BanStore> store_;
  absl::Time start_;
};

TEST_P(BanStoreContractTest, ABanIsFoundWithWhatItWasGivenThenExpiresByItself) {
  ASSERT_TRUE(Put(MakeBan("tel-1", absl::Milliseconds(400))).ok());
  std::optional<bans::Ban> found = Find({"ip-x", "tel-1"});
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, "tel-1");
  EXPECT_EQ(found->reason, "rao vặt");
  EXPECT_EQ(found->target_display, "+84 9•• ••• •45");
  EXPECT_TRUE(found->expire_time.has_value());
  Pass(absl::Milliseconds(800));
  EXPECT_FALSE(Find({"tel-1"}).has_value());
  EXPECT_TRUE(ListedIds(0, 10).empty());
  EXPECT_EQ(Delete("tel-1").code(), absl::StatusCode::kNotFound);
}

TEST_P(BanStoreContractTest, BansListNewestFirstInPages) {
  ASSERT_TRUE(Put(MakeBan("net-b", std::nullopt, absl::Milliseconds(5))).ok());
  ASSERT_TRUE(Put(MakeBan("net-a", std::nullopt)).ok());
  ASSERT_TRUE(Put(MakeBan("net-c", std::nullopt, absl::Milliseconds(10))).ok());
  EXPECT_EQ(ListedIds(0, 10), (std::vector<std::string>{"net-c", "net-b", "net-a"}));
  EXPECT_EQ(ListedIds(1, 1), (std::vector<std::string>{"net-b"}));
  EXPECT_TRUE(ListedIds(3, 10).empty());
}

TEST_P(BanStoreContractTest, ALiftedBanIsGoneAndLiftingItAgainIsNotFound) {
  ASSERT_TRUE(Put(MakeBan("net-a", std::nullopt)).ok());
  ASSERT_TRUE(Put(MakeBan("net-b", std::nullopt)).ok());
  EXPECT_TRUE(Delete("net-b").ok());
  EXPECT_EQ(Delete("net-b").code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(Find({"net-b"}).has_value());
  ASSERT_TRUE(Find({"net-b", "net-a"}).has_value());
  EXPECT_EQ(Find({"net-b", "net-a"})->id, "net-a");
}

TEST_P(BanStoreContractTest, PuttingABanAgainReplacesIt) {
  ASSERT_TRUE(Put(MakeBan("tel-2", absl::Milliseconds(300))).ok());
  bans::Ban longer = MakeBan("tel-2", std::nullopt);
  longer.reason = "lừa đảo";
  ASSERT_TRUE(Put(longer).ok());
  Pass(absl::Milliseconds(600));
  std::optional<bans::Ban> found = Find({"tel-2"});
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->reason, "lừa đảo");
  EXPECT_FALSE(found->expire_time.has_value());
  EXPECT_EQ(ListedIds(0, 10), (std::vector<std::string>{"tel-2"}));
}

INSTANTIATE_TEST_SUITE_P(Implementations, BanStoreContractTest, ::testing::Values(kMemory, kRedis),
                         ImplementationName);

// --- SpamMemory -------------------------------------------------------------

class SpamMemoryContractTest : public StoreContractTest {
 protected:
  void SetUpWithRedis() override {
    if (AgainstRedis()) {
      memory_ = std::make_unique<spam::RedisSpamMemory>(*client_, absl::Seconds(1), StoreClock());
    } else {
      memory_ = std::make_unique<testing::InMemorySpamMemory>(fake_clock_);
    }
  }

  static spam::BodyRecord Record(std::string digest, std::optional<uint64_t> simhash,
                                 std::string author) {
    spam::BodyRecord record;
    record.body_digest = std::move(digest);
    record.simhash = simhash;
    record.author_digest = std::move(author);
    record.repeat_window = absl::Seconds(60);
    record.near_window = absl::Seconds(60);
    record.max_distance = 3;
    return record;
  }

  spam::Recollection Recall(const spam::BodyRecord& record) {
    absl::StatusOr<spam::Recollection> recalled =
        *testing::Await<absl::StatusOr<spam::Recollection>>(
            [&](auto done) { memory_->Recall(record, done); });
    EXPECT_TRUE(recalled.ok()) << recalled.status();
    return recalled.value_or(spam::Recollection{});
  }

  // Remember is fire-and-forget: against Redis, a round trip after it on the
  // same connection has seen it applied.
  void Remember(const spam::BodyRecord& record) {
    memory_->Remember(record);
    if (AgainstRedis()) {
      ASSERT_TRUE(testing::Await<absl::StatusOr<redis::RedisValue>>([&](auto done) {
                    client_->Execute({"PING"}, done);
                  })->ok());
    }
  }

  std::unique_ptr<spam::SpamMemory> memory_;
};

TEST_P(SpamMemoryContractTest, CopiesCountOnlyOnceRemembered) {
  const spam::BodyRecord body = Record("aa11", std::nullopt, "author-1");
  EXPECT_EQ(Recall(body).earlier_copies, 0);
  // Asking does not record: a retry after a wrong captcha is not a repeat.
  EXPECT_EQ(Recall(body).earlier_copies, 0);
  Remember(body);
  EXPECT_EQ(Recall(body).earlier_copies, 1);
  Remember(body);
  EXPECT_EQ(Recall(body).earlier_copies, 2);
  EXPECT_EQ(Recall(Record("bb22", std::nullopt, "author-1")).earlier_copies, 0);
}

TEST_P(SpamMemoryContractTest, RepeatsAndNearDuplicatesAreForgottenAfterTheirWindows) {
  spam::BodyRecord body = Record("cc33", 0x0123456789abcdefULL, "author-1");
  body.repeat_window = absl::Milliseconds(300);
  body.near_window = absl::Milliseconds(300);
  Remember(body);
  // The windows come from the rules, the same for every record (a memory in
  // Redis is kept per length of window: changing the windows starts afresh).
  spam::BodyRecord other_author = Record("cc34", 0x0123456789abcdefULL, "author-2");
  other_author.repeat_window = body.repeat_window;
  other_author.near_window = body.near_window;
  EXPECT_EQ(Recall(body).earlier_copies, 1);
  EXPECT_EQ(Recall(other_author).near_duplicate_authors, 1);
  Pass(absl::Milliseconds(700));
  EXPECT_EQ(Recall(body).earlier_copies, 0);
  EXPECT_EQ(Recall(other_author).near_duplicate_authors, 0);
}

TEST_P(SpamMemoryContractTest, NearDuplicatesCountOtherAuthorsWithinTheDistance) {
  const uint64_t hash = 0x0123456789abcdefULL;
  Remember(Record("d1", hash, "author-1"));
  // The same author again is a repeat, not a near-duplicate by someone else.
  EXPECT_EQ(Recall(Record("d2", hash ^ 0x1, "author-1")).near_duplicate_authors, 0);
  // Two bits off, another author: found.
  EXPECT_EQ(Recall(Record("d2", hash ^ 0x11, "author-2")).near_duplicate_authors, 1);
  // One bit off in every band: 4 bits apart, beyond the 3 allowed.
  EXPECT_EQ(Recall(Record("d3", hash ^ 0x0001000100010001ULL, "author-2")).near_duplicate_authors,
            0);
  Remember(Record("d4", hash ^ 0x4, "author-3"));
  EXPECT_EQ(Recall(Record("d5", hash, "author-4")).near_duplicate_authors, 2);
  // An author who posted twice counts once.
  Remember(Record("d6", hash ^ 0x8, "author-3"));
  EXPECT_EQ(Recall(Record("d7", hash, "author-4")).near_duplicate_authors, 2);
}

INSTANTIATE_TEST_SUITE_P(Implementations, SpamMemoryContractTest,
                         ::testing::Values(kMemory, kRedis), ImplementationName);

}  // namespace
}  // namespace moderation
