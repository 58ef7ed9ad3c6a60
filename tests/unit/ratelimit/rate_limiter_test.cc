#include "service/ratelimit/rate_limiter.h"

#include <gtest/gtest.h>

#include "service/common/errors.h"
#include "service/ratelimit/limit_keys.h"
#include "tests/support/await.h"
#include "tests/support/fake_clock.h"
#include "tests/support/in_memory_limit_store.h"

namespace moderation::ratelimit {
namespace {

class RateLimiterTest : public ::testing::Test {
 protected:
  absl::Status Check(const LimitRule& rule, const std::string& subject) {
    return *testing::Await<absl::Status>([&](auto done) {
      limiter_.Check({{&rule, subject}}, done);
    });
  }

  testing::FakeClock clock_;
  testing::InMemoryLimitStore store_{clock_};
  RateLimiter limiter_{store_, clock_, LimiterOptions{}};
  // 6 a minute (one every 10 s), 3 back to back.
  LimitRule rule_{.name = "submit_ip", .count = 6, .period = absl::Minutes(1), .burst = 3};
};

TEST_F(RateLimiterTest, AllowsTheBurstThenRefusesWithTheWait) {
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(Check(rule_, "a").ok()) << i;
  }
  const absl::Status refused = Check(rule_, "a");
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ReasonOf(refused), "RATE_LIMITED");
  ASSERT_TRUE(RetryAfterOf(refused).has_value());
  EXPECT_EQ(*RetryAfterOf(refused), absl::Seconds(10));
  const std::optional<LimitRefusal> refusal = LimitRefusalOf(refused);
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(refusal->limit, "submit_ip");
  EXPECT_EQ(refusal->wait_seconds, 10);
}

TEST_F(RateLimiterTest, RecoversAtTheConfiguredRate) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(Check(rule_, "a").ok());
  }
  clock_.Advance(absl::Seconds(9));
  EXPECT_FALSE(Check(rule_, "a").ok());
  clock_.Advance(absl::Seconds(1));
  EXPECT_TRUE(Check(rule_, "a").ok());
  EXPECT_FALSE(Check(rule_, "a").ok());
}

TEST_F(RateLimiterTest, OneSubjectsFloodDoesNotTouchAnother) {
  for (int i = 0; i < 10; ++i) {
    (void)Check(rule_, "flooder");
  }
  EXPECT_TRUE(Check(rule_, "reader").ok());
}

TEST_F(RateLimiterTest, AKnownFloodCostsNoStoreRoundTrips) {
  for (int i = 0; i < 4; ++i) {
    (void)Check(rule_, "a");
  }
  const int answered = store_.checks_answered();
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(Check(rule_, "a").code(), absl::StatusCode::kResourceExhausted);
  }
  EXPECT_EQ(store_.checks_answered(), answered);
  clock_.Advance(absl::Seconds(10));
  EXPECT_TRUE(Check(rule_, "a").ok());
}

TEST_F(RateLimiterTest, ShadowRulesCountButNeverRefuse) {
  LimitRule shadow = rule_;
  shadow.shadow = true;
  for (int i = 0; i < 10; ++i) {
    EXPECT_TRUE(Check(shadow, "a").ok());
  }
  EXPECT_EQ(limiter_.shadow_trips(), 7);
}

TEST_F(RateLimiterTest, GlobalShadowModeCoversEveryRule) {
  RateLimiter shadow_limiter(store_, clock_, LimiterOptions{.shadow = true});
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(testing::Await<absl::Status>([&](auto done) {
                  shadow_limiter.Check({{&rule_, "b"}}, done);
                })->ok());
  }
  EXPECT_EQ(shadow_limiter.shadow_trips(), 2);
}

TEST_F(RateLimiterTest, StoreOutagePolicyAllowOrRefuse) {
  store_.set_available(false);
  EXPECT_TRUE(Check(rule_, "a").ok());
  LimitRule strict = rule_;
  strict.on_store_error = OnStoreError::kRefuse;
  EXPECT_EQ(Check(strict, "a").code(), absl::StatusCode::kUnavailable);
}

TEST_F(RateLimiterTest, TheLongestWaitWinsAndDisabledRulesAreSkipped) {
  LimitRule slow{.name = "slow", .count = 1, .period = absl::Hours(1), .burst = 1};
  LimitRule off{.name = "off", .count = 0};
  auto check_both = [&] {
    return *testing::Await<absl::Status>([&](auto done) {
      limiter_.Check({{&rule_, "a"}, {&slow, "a"}, {&off, "a"}}, done);
    });
  };
  EXPECT_TRUE(check_both().ok());
  const absl::Status refused = check_both();
  EXPECT_EQ(*RetryAfterOf(refused), absl::Hours(1));
  EXPECT_NE(refused.message().find("slow"), absl::string_view::npos);
}

TEST_F(RateLimiterTest, ARefusedRequestCostsItsOtherSubjectsNothing) {
  LimitRule per_article{.name = "article", .count = 1, .period = absl::Hours(1), .burst = 1};
  auto check = [&](const std::string& article) {
    return *testing::Await<absl::Status>([&](auto done) {
      limiter_.Check({{&rule_, "reader"}, {&per_article, article}}, done);
    });
  };
  EXPECT_TRUE(check("busy").ok());
  // Refused by the article limit: the reader's own allowance is given back.
  EXPECT_FALSE(check("busy").ok());
  EXPECT_FALSE(check("busy").ok());
  EXPECT_TRUE(check("quiet-1").ok());
  EXPECT_TRUE(check("quiet-2").ok());
}

// As the pipeline makes them, for a reader at 203.0.113.9 with a phone.
std::vector<LimitSubject> SubjectsOf(const SubmissionLimits& limits,
                                     const privacy::Pseudonymiser& key) {
  return SubmissionSubjects(limits, key, "203.0.113.9", key.AddressDigest("203.0.113.9"),
                            key.PhoneDigest("+84912345678"), "bai-1");
}

TEST(LimitKeysTest, SubjectsHideAddressesAndPhones) {
  SubmissionLimits limits;
  const privacy::Pseudonymiser key("key");
  const std::vector<LimitSubject> subjects = SubjectsOf(limits, key);
  ASSERT_EQ(subjects.size(), 7u);
  for (const LimitSubject& subject : subjects) {
    EXPECT_EQ(subject.subject.find("203.0.113"), std::string::npos);
    EXPECT_EQ(subject.subject.find("912345678"), std::string::npos);
  }
  EXPECT_EQ(
      SubmissionSubjects(limits, key, "203.0.113.9", key.AddressDigest("203.0.113.9"), "", "bai-1")
          .size(),
      6u);
  // Wrong answers count per address, on a limit of their own.
  EXPECT_EQ(subjects.back().rule, &limits.wrong_answer_ip);
  EXPECT_EQ(CaptchaSubjects(CaptchaLimits{}, key, "", "").size(), 1u);
}

// Limit counters of running deployments are keyed by these: pinned values
// (the first 16 bytes of HMAC-SHA-256 under "pinned-key", computed apart).
TEST(LimitKeysTest, SubjectsAreTheKeysCountersUse) {
  SubmissionLimits limits;
  const privacy::Pseudonymiser key("pinned-key");
  const std::vector<LimitSubject> subjects = SubjectsOf(limits, key);
  ASSERT_EQ(subjects.size(), 7u);
  EXPECT_EQ(subjects[0].subject, "5b8666ec9bd5f3316ad88b877b8120b4");  // of "ip:203.0.113.9"
  EXPECT_EQ(subjects[1].subject, "68ba0fe4d56be5f71dcc071028ce6fc4");  // "ip-block:203.0.113.0/24"
  EXPECT_EQ(subjects[3].subject, "5b8666ec9bd5f3316ad88b877b8120b4:bai-1");
  EXPECT_EQ(subjects[5].subject, "f8d7f6cc154680344eda0ec632ddb909");  // "phone:+84912345678"
  const std::vector<LimitSubject> captcha =
      CaptchaSubjects(CaptchaLimits{}, key, "203.0.113.9", key.AddressDigest("203.0.113.9"));
  ASSERT_EQ(captcha.size(), 3u);
  EXPECT_EQ(captcha[1].subject, "5b8666ec9bd5f3316ad88b877b8120b4");
  EXPECT_EQ(captcha[2].subject, "68ba0fe4d56be5f71dcc071028ce6fc4");
}

TEST(LimitKeysTest, BlocksAreSlash24AndSlash64) {
  EXPECT_EQ(IpBlockOf("203.0.113.9"), "203.0.113.0/24");
  EXPECT_EQ(IpBlockOf("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
}

TEST(AllowListTest, MatchesAddressesAndPrefixes) {
  absl::StatusOr<AllowList> list =
      AllowList::Parse({"10.0.0.0/8", "198.51.100.7", "2001:db8::/32"});
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_TRUE(list->Contains("10.200.3.4"));
  EXPECT_TRUE(list->Contains("198.51.100.7"));
  EXPECT_FALSE(list->Contains("198.51.100.8"));
  EXPECT_TRUE(list->Contains("2001:db8:ffff::1"));
  EXPECT_FALSE(list->Contains("2001:db9::1"));
  EXPECT_FALSE(AllowList::Parse({"10.0.0.0/33"}).ok());
  EXPECT_FALSE(AllowList::Parse({"example.org"}).ok());
}

TEST(OverLimitCacheTest, ForgetsExpiredEntriesAndStaysBounded) {
  OverLimitCache cache(2);
  const absl::Time now = absl::FromUnixSeconds(1000);
  cache.Remember("a", now + absl::Seconds(5), now);
  cache.Remember("b", now + absl::Seconds(1), now);
  cache.Remember("c", now + absl::Seconds(5), now);  // full: not remembered
  EXPECT_EQ(cache.RemainingFor("c", now), absl::ZeroDuration());
  EXPECT_EQ(cache.RemainingFor("a", now), absl::Seconds(5));
  const absl::Time later = now + absl::Seconds(2);
  cache.Remember("c", later + absl::Seconds(5), later);  // "b" expired: room made
  EXPECT_EQ(cache.RemainingFor("c", later), absl::Seconds(5));
  EXPECT_EQ(cache.RemainingFor("b", later), absl::ZeroDuration());
}

}  // namespace
}  // namespace moderation::ratelimit
