#include "service/classifier/spam_classifier.h"

#include <gtest/gtest.h>
#include <openssl/sha.h>
#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include <atomic>
#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "service/classifier/features.h"

namespace moderation::classifier {
namespace {

const std::vector<std::pair<std::string, bool>>& Corpus() {
  static const auto* corpus = new std::vector<std::pair<std::string, bool>>{
      {"Check out my channel and subscribe!!! http://bit.ly/abc", true},
      {"Free entry to win a prize, text WIN to 80086 now", true},
      {"Giảm giá 50% hôm nay, inbox shop ngay để nhận quà", true},
      {"Subscribe to my channel for free gift cards", true},
      {"Nhận mã giảm giá miễn phí tại website của chúng tôi", true},
      {"This song never gets old, love it", false},
      {"Bài viết rất hay, cảm ơn tác giả", false},
      {"Giao hàng nhanh, đóng gói cẩn thận, sản phẩm tốt", false},
      {"Are we still meeting for lunch tomorrow?", false},
      {"Trận bóng đá tối qua thật hấp dẫn", false},
  };
  return *corpus;
}

SpamClassifier TrainedOnCorpus() {
  const SpamClassifier extractor = SpamClassifier::Untrained();
  std::vector<LabelledFeatures> examples;
  for (const auto& [text, spam] : Corpus()) {
    examples.push_back({extractor.Extract(text), spam});
  }
  absl::StatusOr<SpamClassifier> trained = SpamClassifier::Train(examples);
  EXPECT_TRUE(trained.ok()) << trained.status();
  return std::move(trained).value();
}

double Overlap(const FeatureVector& a, const FeatureVector& b) {
  double dot = 0;
  for (std::size_t i = 0, j = 0; i < a.indices.size() && j < b.indices.size();) {
    if (a.indices[i] == b.indices[j]) {
      dot += a.values[i++] * b.values[j++];
    } else if (a.indices[i] < b.indices[j]) {
      ++i;
    } else {
      ++j;
    }
  }
  return dot;
}

// Replaces the trailing SHA-256 so that a deliberately altered model passes the checksum and
// reaches the field checks behind it.
std::string Resigned(std::string bytes) {
  bytes.resize(bytes.size() - SHA256_DIGEST_LENGTH);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  bytes.append(reinterpret_cast<const char*>(digest), sizeof digest);
  return bytes;
}

constexpr std::size_t kHeaderSize = 8 + 4 * 4 + 8 * 2 + 8 * 3;

TEST(SpamClassifierTest, UntrainedModelIsNeutral) {
  const SpamClassifier classifier = SpamClassifier::Untrained();
  EXPECT_EQ(classifier.SpamProbability(classifier.Extract("anything at all")), 0.5);
  EXPECT_EQ(classifier.SpamProbability({}), 0.5);
}

TEST(SpamClassifierTest, ExtractGivesSortedUniqueFiniteFeatures) {
  const SpamClassifier classifier = SpamClassifier::Untrained();
  const FeatureVector features = classifier.Extract("Xem ngay!!! Free FREE free 0912345678");
  ASSERT_EQ(features.indices.size(), features.values.size());
  ASSERT_FALSE(features.indices.empty());
  for (std::size_t k = 0; k < features.indices.size(); ++k) {
    EXPECT_LT(features.indices[k], 1u << classifier.hash_bits());
    EXPECT_TRUE(std::isfinite(features.values[k]));
    EXPECT_GT(features.values[k], 0);
    if (k > 0) {
      EXPECT_LT(features.indices[k - 1], features.indices[k]);
    }
  }
}

TEST(SpamClassifierTest, ExtractIgnoresCaseAndUnicodeForm) {
  const SpamClassifier classifier = SpamClassifier::Untrained();
  const FeatureVector precomposed = classifier.Extract("Nguyễn BÓNG ĐÁ");
  // The same words typed with combining marks and in lower case.
  const FeatureVector decomposed =
      classifier.Extract("nguye\xCC\x82\xCC\x83n bo\xCC\x81ng \xC4\x91\x61\xCC\x81");
  EXPECT_EQ(precomposed.indices, decomposed.indices);
  EXPECT_EQ(precomposed.values, decomposed.values);
}

TEST(SpamClassifierTest, TextWithoutDiacriticsSharesWordFeatures) {
  const SpamClassifier classifier = SpamClassifier::Untrained();
  const FeatureVector accented = classifier.Extract("bóng đá");
  const FeatureVector plain = classifier.Extract("bong da");
  const FeatureVector other = classifier.Extract("xem phim");
  // Any two two-word texts share their shape features; the words make the difference.
  EXPECT_GT(Overlap(accented, plain), Overlap(accented, other) + 0.3);
}

TEST(SpamClassifierTest, NormalisationDecodesEntitiesAndFoldsCompatibilityForms) {
  EXPECT_EQ(internal::NormalizeForFeatures("You&#39;re&nbsp;<br />&AMP; ＦＲＥＥ"),
            "you're \n& free");
  EXPECT_EQ(internal::StripDiacritics("bóng đá việt nam ưu đãi"), "bong da viet nam uu dai");
}

// NFKC_Casefold of the whole text through ICU, as the features were defined.
std::string FoldWithIcu(const std::string& text) {
  UErrorCode error = U_ZERO_ERROR;
  const icu::Normalizer2* fold = icu::Normalizer2::getNFKCCasefoldInstance(error);
  EXPECT_TRUE(U_SUCCESS(error));
  std::string out;
  fold->normalize(icu::UnicodeString::fromUTF8(text), error).toUTF8String(out);
  EXPECT_TRUE(U_SUCCESS(error));
  return out;
}

// Most text is folded character by character from a table; the result must be ICU's for the
// whole text, whatever the neighbours (combining accents typed after a letter, variation
// selectors after an emoji...).
TEST(SpamClassifierTest, NormalisationAgreesWithIcuOnEveryTableCharacter) {
  for (UChar32 c = 1; c < 0x3100; ++c) {
    if (U_IS_SURROGATE(c) || c == '&' || c == '<') {
      continue;  // entities and <br> are decoded before folding
    }
    std::string one;
    icu::UnicodeString(c).toUTF8String(one);
    for (const std::string& text :
         {one, "A" + one + "b " + one + "\u0301 " + one + one, "\u0301" + one + "\ufe0f😀" + one}) {
      ASSERT_EQ(internal::NormalizeForFeatures(text), FoldWithIcu(text)) << text;
    }
  }
  for (const std::string text :
       {"Vie\u0302\u0323t Nam", "❤️ x\ufe0f 1\ufe0f\u20e3", "ｶﾞ が か\u3099", "ﷺ ㈱ ㍿ 好",
        "\u1100\u1161 \u0b47\u0b3e", "𝐁𝐨𝐧𝐠 𝕕𝕒"}) {
    EXPECT_EQ(internal::NormalizeForFeatures(text), FoldWithIcu(text)) << text;
  }
}

TEST(SpamClassifierTest, ExtractSurvivesHostileBytes) {
  const SpamClassifier classifier = SpamClassifier::Untrained();
  const std::string inputs[] = {"",
                                "\xFF\xFE\xFD",
                                "abc\xED\xA0\x80",
                                "&#xFFFFFFFF; &#0; &#",
                                std::string(100000, 'a'),
                                std::string("\0\0x", 3),
                                "<br"};
  for (const std::string& input : inputs) {
    const FeatureVector features = classifier.Extract(input);
    EXPECT_EQ(features.indices.size(), features.values.size());
    const double p = classifier.SpamProbability(features);
    EXPECT_GE(p, 0.0);
    EXPECT_LE(p, 1.0);
  }
}

TEST(SpamClassifierTest, TrainedModelSeparatesItsTrainingExamples) {
  const SpamClassifier classifier = TrainedOnCorpus();
  for (const auto& [text, spam] : Corpus()) {
    const double p = classifier.SpamProbability(classifier.Extract(text));
    EXPECT_EQ(p > kDefaultSpamThreshold, spam) << text << " " << p;
  }
  EXPECT_EQ(classifier.spam_examples(), 5u);
  EXPECT_EQ(classifier.ham_examples(), 5u);
}

TEST(SpamClassifierTest, TrainRefusesASingleClassAndBadOptions) {
  const SpamClassifier extractor = SpamClassifier::Untrained();
  const std::vector<LabelledFeatures> only_ham = {{extractor.Extract("hello"), false}};
  EXPECT_EQ(SpamClassifier::Train(only_ham).status().code(), absl::StatusCode::kInvalidArgument);
  const std::vector<LabelledFeatures> both = {{extractor.Extract("hello"), false},
                                              {extractor.Extract("buy now"), true}};
  TrainingOptions options;
  options.regularization = 0;
  EXPECT_EQ(SpamClassifier::Train(both, options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options = {};
  options.hash_bits = 40;
  EXPECT_EQ(SpamClassifier::Train(both, options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SpamClassifierTest, SerializeParseRoundTripIsExact) {
  const SpamClassifier original = TrainedOnCorpus();
  const std::string bytes = original.Serialize();
  absl::StatusOr<SpamClassifier> parsed = SpamClassifier::Parse(bytes);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->Serialize(), bytes);
  for (const std::string text : {"subscribe to my channel", "bài viết hay", "unseen words"}) {
    const FeatureVector features = original.Extract(text);
    EXPECT_EQ(parsed->SpamProbability(features), original.SpamProbability(features)) << text;
  }
}

TEST(SpamClassifierTest, ParseRefusesCorruptInput) {
  const std::string bytes = TrainedOnCorpus().Serialize();
  const auto refused = [](const std::string& input) {
    const absl::StatusOr<SpamClassifier> parsed = SpamClassifier::Parse(input);
    return !parsed.ok() && parsed.status().code() == absl::StatusCode::kInvalidArgument;
  };
  EXPECT_TRUE(refused(""));
  EXPECT_TRUE(refused("not a model at all, but long enough to hold a header and a checksum!!"));
  for (std::size_t length = 0; length < bytes.size(); length += 1 + length / 3) {
    EXPECT_TRUE(refused(bytes.substr(0, length))) << length;
  }
  for (std::size_t at : {std::size_t{0}, std::size_t{9}, kHeaderSize + 3, bytes.size() - 1}) {
    std::string flipped = bytes;
    flipped[at] = static_cast<char>(flipped[at] ^ 0x40);
    EXPECT_TRUE(refused(flipped)) << at;
  }

  std::string future_version = bytes;
  future_version[8] = 2;
  EXPECT_TRUE(refused(Resigned(future_version)));

  std::string huge_hash_bits = bytes;
  huge_hash_bits[16] = 60;
  EXPECT_TRUE(refused(Resigned(huge_hash_bits)));

  // The first entry's weight is its last four bytes; make it NaN.
  std::string nan_weight = bytes;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::memcpy(&nan_weight[kHeaderSize + 12], &nan, sizeof nan);
  EXPECT_TRUE(refused(Resigned(nan_weight)));

  // The first entry's bucket index, beyond the table.
  std::string out_of_range = bytes;
  out_of_range[kHeaderSize + 3] = 0x7f;
  EXPECT_TRUE(refused(Resigned(out_of_range)));

  std::string extra_entry_count = bytes;
  extra_entry_count[kHeaderSize - 8] = static_cast<char>(extra_entry_count[kHeaderSize - 8] + 1);
  EXPECT_TRUE(refused(Resigned(extra_entry_count)));
}

TEST(SpamClassifierTest, LearningSpamRaisesTheScoreAndLearningHamLowersIt) {
  SpamClassifier classifier = TrainedOnCorpus();
  const FeatureVector spam = classifier.Extract("Win free cards, subscribe to my new channel");
  const FeatureVector ham = classifier.Extract("Trận đấu tối qua rất hay");
  const double spam_before = classifier.SpamProbability(spam);
  const double ham_before = classifier.SpamProbability(ham);
  classifier.Learn(spam, true);
  classifier.Learn(ham, false);
  EXPECT_GT(classifier.SpamProbability(spam), spam_before);
  EXPECT_LT(classifier.SpamProbability(ham), ham_before);
  EXPECT_EQ(classifier.spam_examples(), 6u);
  EXPECT_EQ(classifier.ham_examples(), 6u);
}

TEST(SpamClassifierTest, UntrainedModelLearnsNewSpamFromModerators) {
  SpamClassifier classifier = SpamClassifier::Untrained();
  const std::string campaign = "Vay tiền nhanh lãi suất thấp, liên hệ zalo 0901234567";
  double previous = classifier.SpamProbability(classifier.Extract(campaign));
  for (int i = 0; i < 5; ++i) {
    classifier.Learn(classifier.Extract(campaign), true);
    classifier.Learn(classifier.Extract("Cảm ơn bài viết, rất bổ ích"), false);
    const double now = classifier.SpamProbability(classifier.Extract(campaign));
    EXPECT_GT(now, previous) << "after " << i + 1 << " reports";
    previous = now;
  }
  EXPECT_GT(previous, 0.7);
  EXPECT_GT(classifier.SpamProbability(classifier.Extract("vay tien nhanh lai suat thap")), 0.5);
  EXPECT_LT(classifier.SpamProbability(classifier.Extract("Cảm ơn bài viết")), 0.5);
}

TEST(SpamClassifierTest, ReplayingTheSameLearningEventsGivesTheSameModel) {
  const std::string start = TrainedOnCorpus().Serialize();
  absl::StatusOr<SpamClassifier> replica_a = SpamClassifier::Parse(start);
  absl::StatusOr<SpamClassifier> replica_b = SpamClassifier::Parse(start);
  ASSERT_TRUE(replica_a.ok() && replica_b.ok());
  // Events as they would arrive from the stream: features only, no text.
  std::vector<std::pair<FeatureVector, bool>> events;
  for (int round = 0; round < 5; ++round) {
    for (const auto& [text, spam] : Corpus()) {
      events.emplace_back(replica_a->Extract(text + " " + std::to_string(round)), !spam);
    }
  }
  for (const auto& [features, spam] : events) {
    replica_a->Learn(features, spam);
  }
  for (const auto& [features, spam] : events) {
    replica_b->Learn(features, spam);
  }
  EXPECT_EQ(replica_a->Serialize(), replica_b->Serialize());
  EXPECT_NE(replica_a->Serialize(), start);
}

TEST(SpamClassifierTest, IgnoresOutOfRangeAndNonFiniteEntries) {
  SpamClassifier classifier = TrainedOnCorpus();
  const FeatureVector valid = classifier.Extract("subscribe to my channel");
  FeatureVector hostile = valid;
  hostile.indices.push_back(std::numeric_limits<uint32_t>::max());
  hostile.values.push_back(1.0f);
  hostile.indices.push_back(valid.indices.front());
  hostile.values.push_back(std::numeric_limits<float>::infinity());
  hostile.indices.push_back(7);  // one index too many: no value
  EXPECT_EQ(classifier.SpamProbability(hostile), classifier.SpamProbability(valid));
  classifier.Learn(hostile, true);
  const double p = classifier.SpamProbability(valid);
  EXPECT_TRUE(std::isfinite(p));
  EXPECT_GT(p, 0.5);
}

TEST(SpamClassifierTest, ScoresWhileLearningFromOtherThreads) {
  SpamClassifier classifier = TrainedOnCorpus();
  std::vector<FeatureVector> features;
  for (const auto& [text, spam] : Corpus()) {
    features.push_back(classifier.Extract(text));
  }
  std::atomic<bool> out_of_range{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 300; ++i) {
        const FeatureVector fresh = classifier.Extract(Corpus()[(i + t) % Corpus().size()].first);
        const double p =
            classifier.SpamProbability(i % 2 == 0 ? fresh : features[i % features.size()]);
        if (!(p >= 0 && p <= 1)) {
          out_of_range = true;
        }
      }
    });
  }
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        classifier.Learn(features[(i + t) % features.size()], (i + t) % 3 == 0);
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < 3; ++i) {
      EXPECT_TRUE(SpamClassifier::Parse(classifier.Serialize()).ok());
    }
  });
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_FALSE(out_of_range);
  EXPECT_EQ(classifier.spam_examples() + classifier.ham_examples(), 10u + 200u);
}

}  // namespace
}  // namespace moderation::classifier
