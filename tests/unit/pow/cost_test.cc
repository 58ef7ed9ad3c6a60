#include "service/pow/cost.h"

#include <gtest/gtest.h>

#include <cmath>

namespace moderation::pow {
namespace {

TEST(CostTest, AFreshSourcePaysTheBase) {
  const CostOptions options{.base_maxnumber = 20000, .growth = 1.6};
  EXPECT_EQ(MaxNumberFor(0, options), 20000);
  EXPECT_EQ(MaxNumberFor(-3, options), 20000);
}

TEST(CostTest, EachRefusalMultipliesTheCostUpToTheCap) {
  const CostOptions options{.base_maxnumber = 20000, .growth = 1.6, .max_maxnumber = 50000000};
  EXPECT_EQ(MaxNumberFor(1, options), 32000);
  EXPECT_NEAR(static_cast<double>(MaxNumberFor(10, options)), 20000 * std::pow(1.6, 10), 1);
  EXPECT_EQ(MaxNumberFor(30, options), 50000000);
  EXPECT_EQ(MaxNumberFor(1e9, options), 50000000);
}

TEST(CostTest, ScoresHalveEveryHalfLife) {
  const absl::Time at = absl::FromUnixSeconds(1790000000);
  const absl::Duration half_life = absl::Minutes(15);
  EXPECT_DOUBLE_EQ(Decayed(10, at, at, half_life), 10);
  EXPECT_DOUBLE_EQ(Decayed(10, at, at + absl::Minutes(15), half_life), 5);
  EXPECT_DOUBLE_EQ(Decayed(10, at, at + absl::Minutes(45), half_life), 1.25);
  // A clock that went back does not raise a score.
  EXPECT_DOUBLE_EQ(Decayed(10, at, at - absl::Minutes(5), half_life), 10);
  EXPECT_DOUBLE_EQ(Decayed(0, at, at, half_life), 0);
}

TEST(CostTest, SourcesAreKeyedHashesAndSkipWhatIsMissing) {
  const privacy::Pseudonymiser key("key");
  const std::vector<std::string> all = CostSources(key, "ipdigest", "203.0.113.0/24", "phd");
  ASSERT_EQ(all.size(), 3U);
  EXPECT_EQ(all[0], "ip:ipdigest");
  EXPECT_EQ(all[1].rfind("net:", 0), 0U);
  EXPECT_EQ(all[1].find("203.0.113"), std::string::npos);
  EXPECT_EQ(all[2], "phone:phd");
  EXPECT_NE(CostSources(privacy::Pseudonymiser("other key"), "", "203.0.113.0/24", "")[0], all[1]);
  EXPECT_EQ(CostSources(key, "", "", "").size(), 0U);
}

TEST(CostTest, TheNetworkSourceIsTheOneLedgersHold) {
  // HMAC-SHA-256 under "pinned-key" of "net:203.0.113.0/24", computed apart.
  EXPECT_EQ(CostSources(privacy::Pseudonymiser("pinned-key"), "", "203.0.113.0/24", "")[0],
            "net:41df90c9fa87cf50dfbfa7deb12473634a68f6ef43d0fd1d4bc09a4785533769");
}

}  // namespace
}  // namespace moderation::pow
