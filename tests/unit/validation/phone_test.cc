#include "service/validation/phone.h"

#include <gtest/gtest.h>

namespace moderation::validation {
namespace {

TEST(NormalizeVietnamesePhoneTest, AcceptsTheUsualWritings) {
  for (const char* raw : {"0912345678", "0912 345 678", "0912.345.678", "+84 912 345 678",
                          "+84912345678", "84912345678", "(+84) 912-345-678"}) {
    absl::StatusOr<std::string> e164 = NormalizeVietnamesePhone(raw);
    ASSERT_TRUE(e164.ok()) << raw << ": " << e164.status();
    EXPECT_EQ(*e164, "+84912345678") << raw;
  }
}

TEST(NormalizeVietnamesePhoneTest, AcceptsLandlines) {
  absl::StatusOr<std::string> e164 = NormalizeVietnamesePhone("028 3823 4567");
  ASSERT_TRUE(e164.ok()) << e164.status();
  EXPECT_EQ(*e164, "+842838234567");
}

TEST(NormalizeVietnamesePhoneTest, RefusesWhatIsNotAVietnameseNumber) {
  for (const char* raw : {"12345", "0912", "abc", "+1 650 253 0000", "0000000000",
                          "09123456789012345678901234567890123"}) {
    EXPECT_FALSE(NormalizeVietnamesePhone(raw).ok()) << raw;
  }
}

TEST(MaskPhoneTest, ShowsOnlyFirstAndLastTwoDigits) {
  EXPECT_EQ(MaskPhone("+84912345645"), "+84 9•• ••• •45");
}

}  // namespace
}  // namespace moderation::validation
