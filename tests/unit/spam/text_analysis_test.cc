#include "service/spam/text_analysis.h"

#include <gtest/gtest.h>
#include <unicode/unistr.h>

#include <fstream>

#include "service/spam/word_list.h"

namespace moderation::spam {
namespace {

std::vector<std::string> Folded(const std::vector<Word>& words) {
  std::vector<std::string> out;
  for (const Word& word : words) {
    out.push_back(word.folded);
  }
  return out;
}

std::vector<std::string> Plain(const std::vector<Word>& words) {
  std::vector<std::string> out;
  for (const Word& word : words) {
    out.push_back(word.plain);
  }
  return out;
}

TEST(TextAnalysisTest, FoldsCaseAndKeepsVietnameseLetters) {
  const AnalyzedText text = AnalyzeText("Bóng Đá Việt Nam");
  EXPECT_EQ(text.folded, "bóng đá việt nam");
  EXPECT_EQ(text.plain, "bong da viet nam");
  EXPECT_EQ(Folded(text.words), (std::vector<std::string>{"bóng", "đá", "việt", "nam"}));
  EXPECT_EQ(Plain(text.words), (std::vector<std::string>{"bong", "da", "viet", "nam"}));
}

TEST(TextAnalysisTest, DecomposedInputMatchesPrecomposed) {
  // "Tiếng Việt" typed with combining marks (NFD), as some keyboards send it.
  const AnalyzedText decomposed = AnalyzeText("Tie\u0302\u0301ng Vie\u0323\u0302t");
  const AnalyzedText precomposed = AnalyzeText("Tiếng Việt");
  EXPECT_EQ(decomposed.folded, precomposed.folded);
  EXPECT_EQ(Plain(decomposed.words), (std::vector<std::string>{"tieng", "viet"}));
}

TEST(TextAnalysisTest, DropsZeroWidthAndBidiControls) {
  const AnalyzedText text = AnalyzeText("vi\u200Bag\u200Dra \u202Ecá\u2066 độ\u2069");
  EXPECT_EQ(Folded(text.words), (std::vector<std::string>{"viagra", "cá", "độ"}));
}

TEST(TextAnalysisTest, FullWidthAndMathematicalLettersBecomePlain) {
  EXPECT_EQ(AnalyzeText("ｖｉａｇｒａ").folded, "viagra");
  EXPECT_EQ(AnalyzeText("\U0001D42F\U0001D422\U0001D41A\U0001D420\U0001D42B\U0001D41A").folded,
            "viagra");
}

TEST(TextAnalysisTest, LookAlikeLettersFromOtherScriptsBecomeLatin) {
  // Cyrillic а, о and е in otherwise Latin words.
  EXPECT_EQ(AnalyzeText("vi\u0430gr\u0430").folded, "viagra");
  EXPECT_EQ(AnalyzeText("nh\u0430 c\u0430i").plain, "nha cai");
}

TEST(TextAnalysisTest, SpelledOutWordsAreJoined) {
  for (const char* spaced : {"mua v i a g r a ngay", "v.i.a.g.r.a", "V-I-A-G-R-A!"}) {
    const AnalyzedText text = AnalyzeText(spaced);
    ASSERT_EQ(text.joined_words.size(), 1U) << spaced;
    EXPECT_EQ(text.joined_words[0].plain, "viagra") << spaced;
  }
  // Two single letters in a row are ordinary Vietnamese ("ở a").
  EXPECT_TRUE(AnalyzeText("đi ở a nhé").joined_words.empty());
}

TEST(TextAnalysisTest, CountsUppercaseLettersBeforeFolding) {
  const AnalyzedText text = AnalyzeText("MUA NGAY đi");
  EXPECT_EQ(text.letters, 9);
  EXPECT_EQ(text.uppercase_letters, 7);
}

TEST(TextAnalysisTest, CollapsesWhiteSpace) {
  EXPECT_EQ(AnalyzeText("  a \t\n  b  ").folded, "a b");
}

void ExpectSameAsIcu(absl::string_view text) {
  const AnalyzedText fast = AnalyzeText(text);
  const AnalyzedText reference = internal::AnalyzeTextWithIcu(text);
  EXPECT_EQ(fast.folded, reference.folded) << text;
  EXPECT_EQ(fast.plain, reference.plain) << text;
  EXPECT_EQ(Folded(fast.words), Folded(reference.words)) << text;
  EXPECT_EQ(Plain(fast.words), Plain(reference.words)) << text;
  EXPECT_EQ(Plain(fast.joined_words), Plain(reference.joined_words)) << text;
  EXPECT_EQ(fast.letters, reference.letters) << text;
  EXPECT_EQ(fast.uppercase_letters, reference.uppercase_letters) << text;
}

TEST(TextAnalysisTest, TheShortcutAgreesWithTheIcuPath) {
  for (const char* text :
       {"Bóng Đá Việt Nam", "ｖｉａｇｒａ ＶＩＡＧＲＡ", "vi\u0430gr\u0430", "ĐẸP QUÁ!!! ½ ﬃ ⑴",
        "Tiếng Việt có dấu: à á ả ã ạ ă ắ ằ ẳ ẵ ặ â ấ ầ ẩ ẫ ậ ư ứ ừ ử ữ ự ơ ớ ờ ở ỡ ợ",
        "x\u00a0y\tz\n\nw", "straße İstanbul ǅ", "v i a g r a", "", "   ",
        "Đẹp lắm 😍😍 ❤️ 好 👍🏻 hàng chuẩn", "🎉 giảm giá 50% 🎉"}) {
    ExpectSameAsIcu(text);
  }
}

// Some keyboards type Vietnamese as letters followed by combining accents; the
// shortcut folds such a letter and its accents through ICU, and the rest of
// the text by table.
TEST(TextAnalysisTest, TheShortcutAgreesWithTheIcuPathOnCombiningAccents) {
  for (const char* text :
       {"Vie\u0302\u0323t Nam a\u0301 a\u0300\u0323", "\u0301abc", "a \u0301 b", "!\u0301x",
        "\u0301 abc", "e\u0301\u0301", "ǅ\u0301 ΐ", "x\ufe0f y 1\ufe0f\u20e3",
        "\u1fed x \u0385a b c", "ｶﾞ ｷﾟ が か\u3099", "\u1100\u0301\u1161 \u1100\u1161",
        "\u0b47\u0b3e \u0b47\u0301\u0b3e", "v i e\u0302 t"}) {
    ExpectSameAsIcu(text);
  }
}

TEST(TextAnalysisTest, TheShortcutAgreesWithTheIcuPathOnEveryTableCharacter) {
  std::vector<UChar32> characters;
  for (UChar32 c = 1; c < 0x3100; ++c) {
    characters.push_back(c);
  }
  for (UChar32 c = 0xff00; c < 0xfff0; ++c) {
    characters.push_back(c);
  }
  for (const UChar32 c : characters) {
    if (U_IS_SURROGATE(c)) {
      continue;
    }
    std::string one;
    icu::UnicodeString(c).toUTF8String(one);
    // Alone, between letters, after a space and before a combining accent,
    // and spelled out.
    ExpectSameAsIcu(one);
    ExpectSameAsIcu("A" + one + "b " + one + "\u0301 " + one + one);
    ExpectSameAsIcu("v i " + one + " a");
  }
}

TEST(TextAnalysisTest, TheShortcutAgreesWithTheIcuPathOnRealComments) {
  std::ifstream file(std::string(MODERATION_SOURCE_DIR) + "/../shared/data/vispamreviews/dev.csv");
  if (!file) {
    GTEST_SKIP() << "../shared/data not available";
  }
  std::string line;
  int compared = 0;
  while (std::getline(file, line) && compared < 2000) {
    ExpectSameAsIcu(line);
    ++compared;
  }
  EXPECT_GT(compared, 1000);
}

TEST(WordListTest, AccentedEntryMatchesSameAccentsOrNone) {
  const WordList list({"bóng đá"});
  EXPECT_EQ(list.FindIn(AnalyzeText("Xem bóng đá trực tiếp")).size(), 1U);
  EXPECT_EQ(list.FindIn(AnalyzeText("xem BONG DA truc tiep")).size(), 1U);
  EXPECT_EQ(list.FindIn(AnalyzeText("xem b o n g d a")).size(), 1U);
  // Different accents are a different word: "bông" (cotton), "đà" (momentum).
  EXPECT_TRUE(list.FindIn(AnalyzeText("bông đà")).empty());
  // Whole words only.
  EXPECT_TRUE(list.FindIn(AnalyzeText("bóng")).empty());
}

TEST(WordListTest, UnaccentedEntryMatchesEveryAccentedForm) {
  const WordList list({"ca do"});
  EXPECT_EQ(list.FindIn(AnalyzeText("Cá độ bóng đá")), (std::vector<std::string>{"ca do"}));
  EXPECT_EQ(list.FindIn(AnalyzeText("ca do")).size(), 1U);
}

TEST(WordListTest, DEntryMatchesBarredD) {
  const WordList list({"đánh bạc"});
  EXPECT_EQ(list.FindIn(AnalyzeText("danh bac online")).size(), 1U);
  EXPECT_EQ(list.FindIn(AnalyzeText("ĐÁNH BẠC online")).size(), 1U);
}

TEST(WordListTest, ReportsEachEntryOnceInListOrder) {
  const WordList list({"viagra", "cá độ"});
  EXPECT_EQ(list.FindIn(AnalyzeText("cá độ, viagra, ｖｉａｇｒａ, cá độ")),
            (std::vector<std::string>{"viagra", "cá độ"}));
}

TEST(WordListTest, MatchesWholeName) {
  const WordList list({"ban biên tập", "admin"});
  EXPECT_TRUE(list.MatchesWhole(AnalyzeText("Ban Biên Tập")));
  EXPECT_TRUE(list.MatchesWhole(AnalyzeText("ADMIN")));
  EXPECT_FALSE(list.MatchesWhole(AnalyzeText("Nguyễn Admin Văn")));
}

}  // namespace
}  // namespace moderation::spam
