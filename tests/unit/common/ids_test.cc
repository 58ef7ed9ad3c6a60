#include "service/common/ids.h"

#include <gtest/gtest.h>

#include "tests/support/fake_clock.h"
#include "tests/support/fake_random.h"

namespace moderation {
namespace {

TEST(CommentIdGeneratorTest, IdsAreWellFormedAndCarryTheirTime) {
  testing::FakeClock clock(absl::FromUnixMillis(1790000000123));
  testing::FakeRandom random;
  CommentIdGenerator ids(clock, random);
  const std::string id = ids.Next();
  EXPECT_EQ(id.size(), 26u);
  EXPECT_TRUE(IsWellFormedCommentId(id));
  EXPECT_EQ(CommentIdTime(id), absl::FromUnixMillis(1790000000123));
}

TEST(CommentIdGeneratorTest, IdsSortInCreationOrderEvenWithinOneMillisecond) {
  testing::FakeClock clock;
  testing::FakeRandom random;
  CommentIdGenerator ids(clock, random);
  std::string previous = ids.Next();
  for (int i = 0; i < 1000; ++i) {
    if (i % 100 == 0) {
      clock.Advance(absl::Milliseconds(1));
    }
    const std::string next = ids.Next();
    EXPECT_LT(previous, next);
    previous = next;
  }
}

TEST(CommentIdGeneratorTest, StaysOrderedWhenTheClockStepsBack) {
  testing::FakeClock clock;
  testing::FakeRandom random;
  CommentIdGenerator ids(clock, random);
  const std::string first = ids.Next();
  clock.Advance(-absl::Seconds(5));
  EXPECT_LT(first, ids.Next());
}

TEST(IsWellFormedCommentIdTest, RefusesOtherShapes) {
  EXPECT_FALSE(IsWellFormedCommentId(""));
  EXPECT_FALSE(IsWellFormedCommentId("01HZZZZZZZZZZZZZZZZZZZZZZ"));   // 25
  EXPECT_FALSE(IsWellFormedCommentId("01HZZZZZZZZZZZZZZZZZZZZZZU"));  // U not Crockford
  EXPECT_FALSE(IsWellFormedCommentId("81HZZZZZZZZZZZZZZZZZZZZZZZ"));  // overflows 128 bits
  EXPECT_TRUE(IsWellFormedCommentId("01HZZZZZZZZZZZZZZZZZZZZZZZ"));
}

}  // namespace
}  // namespace moderation
