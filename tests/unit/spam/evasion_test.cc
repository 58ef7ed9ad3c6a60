#include "service/spam/evasion.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"

namespace moderation::spam {
namespace {

std::string Digits(absl::string_view text) { return UnmaskDigits(AnalyzeText(text)); }

TEST(UnmaskDigitsTest, LookAlikeLettersInNumbersBecomeDigits) {
  EXPECT_TRUE(absl::StrContains(Digits("LH O96O.O33.834"), "0960.033.834"));
  EXPECT_TRUE(absl::StrContains(Digits("cống O8l8 269 2OO"), "0818 269 200"));
  EXPECT_TRUE(absl::StrContains(Digits("Zalo O774 334 6l3"), "0774 334 613"));
  // Words are left alone, even short ones made of o, l and i.
  EXPECT_EQ(Digits("lo loi o day"), "lo loi o day");
}

TEST(UnmaskDigitsTest, DigitsSpelledOutAndKeycapsAreRead) {
  EXPECT_TRUE(absl::StrContains(Digits("Gọi không chín một sáu ba tám sáu bảy bảy không"),
                                "0916386770"));
  EXPECT_TRUE(absl::StrContains(Digits("goi khong chin mot sau ba tam sau bay bay khong"),
                                "0916386770"));
  EXPECT_TRUE(absl::StrContains(
      Digits("Zalo: 0\xEF\xB8\x8F\xE2\x83\xA3" "9\xEF\xB8\x8F\xE2\x83\xA3" "8\xEF\xB8\x8F\xE2\x83\xA3"),
      "098"));
  // A few number words in a sentence are no number.
  EXPECT_EQ(Digits("năm nay hai con tôi ba tuổi"), "năm nay hai con tôi ba tuổi");
}

TEST(UnmaskLinksTest, DisguisedDotsBecomeDots) {
  bool disguised = false;
  EXPECT_EQ(UnmaskLinks("vào alobet92[.]io nhé", disguised), "vào alobet92.io nhé");
  EXPECT_TRUE(disguised);
  EXPECT_EQ(UnmaskLinks("giaphat93(.)club", disguised), "giaphat93.club");
  EXPECT_EQ(UnmaskLinks("suadieuhoa24h (chấm) vn", disguised), "suadieuhoa24h.vn");
  EXPECT_EQ(UnmaskLinks("link tamloc36 chấm com", disguised), "link tamloc36.com");
  EXPECT_EQ(UnmaskLinks("vinhquang68 . net", disguised), "vinhquang68.net");
  EXPECT_EQ(UnmaskLinks("bit ly/abc", disguised), "bit.ly/abc");
  // Sentences and ordinary words stay as they are.
  EXPECT_EQ(UnmaskLinks("xong rồi. co ai biết không", disguised), "xong rồi. co ai biết không");
  EXPECT_FALSE(disguised);
  EXPECT_EQ(UnmaskLinks("chấm điểm thi đua", disguised), "chấm điểm thi đua");
  EXPECT_FALSE(disguised);
}

TEST(WithoutQuotationsTest, QuotedWordsAreLeftOut) {
  EXPECT_EQ(WithoutQuotations("tờ rơi \"vay tiền nhanh\" dán kín"), "tờ rơi   dán kín");
  EXPECT_EQ(WithoutQuotations("mấy tin \xE2\x80\x9CviệC nhẹ\xE2\x80\x9D nhé"), "mấy tin   nhé");
  // An unmatched mark is kept.
  EXPECT_EQ(WithoutQuotations("cao 1m70\" thôi"), "cao 1m70\" thôi");
}

}  // namespace
}  // namespace moderation::spam
