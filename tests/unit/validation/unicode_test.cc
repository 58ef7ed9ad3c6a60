#include "service/validation/unicode.h"

#include <gtest/gtest.h>

namespace moderation::validation {
namespace {

NormalizedText Normalized(const std::string& raw, LineBreaks breaks = LineBreaks::kAllow) {
  NormalizedText out;
  EXPECT_EQ(NormalizeUserText(raw, breaks, out), TextProblem::kNone) << raw;
  return out;
}

TEST(NormalizeUserTextTest, ComposesDecomposedVietnameseToNfc) {
  // "Nguyễn" written with combining circumflex and tilde.
  const std::string decomposed = "Nguye\xCC\x82\xCC\x83n";
  const NormalizedText text = Normalized(decomposed);
  EXPECT_EQ(text.text, "Nguyễn");
  EXPECT_EQ(text.code_points, 6u);
}

TEST(NormalizeUserTextTest, KeepsPrecomposedTextAndCountsCodePoints) {
  const NormalizedText text = Normalized("Bình luận hay quá");
  EXPECT_EQ(text.text, "Bình luận hay quá");
  EXPECT_EQ(text.code_points, 17u);
}

TEST(NormalizeUserTextTest, TrimsSurroundingWhiteSpaceAndUnifiesLineBreaks) {
  EXPECT_EQ(Normalized("  dòng 1\r\ndòng 2\rdòng 3\n ").text, "dòng 1\ndòng 2\ndòng 3");
}

TEST(NormalizeUserTextTest, RefusesMalformedUtf8) {
  NormalizedText out;
  for (const std::string& bad : {std::string("\xC0\xAF"), std::string("abc\xED\xA0\x80"),
                                 std::string("tr\xC3"), std::string("\xFF")}) {
    EXPECT_EQ(NormalizeUserText(bad, LineBreaks::kAllow, out), TextProblem::kInvalidUtf8);
  }
}

TEST(NormalizeUserTextTest, RefusesControlCharactersButAllowsTabs) {
  NormalizedText out;
  EXPECT_EQ(NormalizeUserText("a\x01z", LineBreaks::kAllow, out), TextProblem::kControlCharacter);
  EXPECT_EQ(NormalizeUserText("a\x7fz", LineBreaks::kAllow, out), TextProblem::kControlCharacter);
  EXPECT_EQ(NormalizeUserText("a\xC2\x85z", LineBreaks::kAllow, out),
            TextProblem::kControlCharacter);  // U+0085, a C1 control
  EXPECT_EQ(NormalizeUserText("a\xE2\x80\xA8z", LineBreaks::kAllow, out),
            TextProblem::kControlCharacter);  // U+2028
  EXPECT_EQ(NormalizeUserText("a\tz", LineBreaks::kRefuse, out), TextProblem::kNone);
}

TEST(NormalizeUserTextTest, LineBreaksOnlyWhereAllowed) {
  NormalizedText out;
  EXPECT_EQ(NormalizeUserText("một\nhai", LineBreaks::kRefuse, out),
            TextProblem::kControlCharacter);
  EXPECT_EQ(NormalizeUserText("một\r\nhai", LineBreaks::kRefuse, out),
            TextProblem::kControlCharacter);
  EXPECT_EQ(NormalizeUserText("một\nhai", LineBreaks::kAllow, out), TextProblem::kNone);
}

TEST(NormalizeUserTextTest, RefusesEveryBidiEmbeddingOverrideAndIsolate) {
  NormalizedText out;
  // U+202A..U+202E (LRE, RLE, PDF, LRO, RLO) are E2 80 AA..AE;
  // U+2066..U+2069 (LRI, RLI, FSI, PDI) are E2 81 A6..A9.
  for (const char last : {'\xAA', '\xAB', '\xAC', '\xAD', '\xAE'}) {
    const std::string text = std::string("gi\xC3\xA1 \xE2\x80") + last + "1.000 \xC4\x91";
    EXPECT_EQ(NormalizeUserText(text, LineBreaks::kAllow, out), TextProblem::kControlCharacter)
        << static_cast<int>(static_cast<unsigned char>(last));
  }
  for (const char last : {'\xA6', '\xA7', '\xA8', '\xA9'}) {
    const std::string text = std::string("a\xE2\x81") + last + "z";
    EXPECT_EQ(NormalizeUserText(text, LineBreaks::kRefuse, out), TextProblem::kControlCharacter)
        << static_cast<int>(static_cast<unsigned char>(last));
  }
}

TEST(NormalizeUserTextTest, KeepsJoinersAndMarksNextToTheRefusedRanges) {
  // A family emoji joined with ZWJ (U+200D) stays whole.
  const std::string family = "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9";
  EXPECT_EQ(Normalized("Gia \xC4\x91\xC3\xACnh " + family).text,
            "Gia \xC4\x91\xC3\xACnh " + family);
  // ZWNJ (U+200C), LRM (U+200E), U+2029's neighbour U+202F (narrow no-break
  // space) and U+2065 border the refused ranges without being in them.
  for (const std::string& kept : {std::string("\xE2\x80\x8C"), std::string("\xE2\x80\x8E"),
                                  std::string("\xE2\x80\xAF"), std::string("\xE2\x81\xA0")}) {
    NormalizedText out;
    EXPECT_EQ(NormalizeUserText("a" + kept + "z", LineBreaks::kAllow, out), TextProblem::kNone);
  }
}

TEST(IsValidUtf8Test, AcceptsFourByteSequences) {
  EXPECT_TRUE(IsValidUtf8("\xF0\x9F\x98\x80"));  // U+1F600
  EXPECT_FALSE(IsValidUtf8("\xF0\x9F\x98"));
}

}  // namespace
}  // namespace moderation::validation
