#include "service/rekey/rekey.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>

#include "tests/support/fake_random.h"

namespace moderation::rekey {
namespace {

// Records in a map, scanned two at a time in key order; the cursor is the
// next key to read. `before_swap` lets a test write "concurrently".
class InMemorySealedFieldStore final : public SealedFieldStore {
 public:
  absl::StatusOr<ScanPage> Scan(absl::string_view cursor, int count) override {
    ScanPage page;
    auto it = cursor == "0" ? records.begin() : records.lower_bound(std::string(cursor));
    for (int n = 0; it != records.end() && n < count; ++it, ++n) {
      page.fields.push_back({it->first, it->second});
    }
    page.next_cursor = it == records.end() ? "0" : it->first;
    return page;
  }

  absl::StatusOr<bool> CompareAndSwap(const SealedField& field,
                                      absl::string_view replacement) override {
    if (before_swap) {
      before_swap(field.record);
    }
    auto it = records.find(field.record);
    if (it == records.end() || it->second != field.sealed) {
      return false;
    }
    it->second = std::string(replacement);
    return true;
  }

  std::map<std::string, std::string> records;
  std::function<void(const std::string&)> before_swap;
};

class ResealTest : public ::testing::Test {
 protected:
  ResealTest() { EXPECT_TRUE(k2_.AddDecryptionKey("k1", std::string(32, '1')).ok()); }

  crypto::FieldCipher k1_ = *crypto::FieldCipher::Create("k1", std::string(32, '1'));
  crypto::FieldCipher k2_ = *crypto::FieldCipher::Create("k2", std::string(32, '2'));
  testing::FakeRandom random_;
  InMemorySealedFieldStore store_;
};

TEST_F(ResealTest, SealsOldValuesUnderTheCurrentKeyAndLeavesCurrentOnesAlone) {
  store_.records = {{"c1", k1_.Seal("+84912345671", random_)},
                    {"c2", k1_.Seal("+84983456782", random_)},
                    {"c3", k2_.Seal("+84376543213", random_)}};
  const std::string current = store_.records["c3"];
  RekeyOptions options;
  options.batch = 2;
  std::vector<std::string> cursors;
  options.progress = [&](const RekeyCounts&, const std::string& next) { cursors.push_back(next); };
  absl::StatusOr<RekeyCounts> counts = Reseal(store_, k2_, random_, options);
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_EQ(counts->scanned, 3);
  EXPECT_EQ(counts->resealed, 2);
  EXPECT_EQ(counts->current, 1);
  EXPECT_EQ(cursors, (std::vector<std::string>{"c3", "0"}));
  EXPECT_EQ(store_.records["c3"], current);
  // Readable with k2 alone, the old key gone.
  const crypto::FieldCipher only_k2 = *crypto::FieldCipher::Create("k2", std::string(32, '2'));
  EXPECT_EQ(*only_k2.Open(store_.records["c1"]), "+84912345671");
  EXPECT_EQ(*only_k2.Open(store_.records["c2"]), "+84983456782");
}

TEST_F(ResealTest, NeverOverwritesAValueChangedBetweenReadAndWrite) {
  store_.records = {{"c1", k1_.Seal("+84912345671", random_)}};
  // An erasure lands between the scan and the swap: the erasure wins.
  store_.before_swap = [&](const std::string& record) { store_.records[record] = "erased"; };
  absl::StatusOr<RekeyCounts> counts = Reseal(store_, k2_, random_, RekeyOptions());
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->changed, 1);
  EXPECT_EQ(counts->resealed, 0);
  EXPECT_EQ(store_.records["c1"], "erased");
}

TEST_F(ResealTest, CountsValuesNoKeyOpensAndGoesOn) {
  const crypto::FieldCipher k0 = *crypto::FieldCipher::Create("k0", std::string(32, '0'));
  store_.records = {{"c1", k0.Seal("+84912345671", random_)},
                    {"c2", "v1.k1.bm90LWEtcmVhbC12YWx1ZS1idXQtbG9uZy1lbm91Z2g"},
                    {"c3", k1_.Seal("+84983456782", random_)}};
  absl::StatusOr<RekeyCounts> counts = Reseal(store_, k2_, random_, RekeyOptions());
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->unreadable, 2);
  EXPECT_EQ(counts->resealed, 1);
}

TEST_F(ResealTest, ResumesFromACursor) {
  store_.records = {{"c1", k1_.Seal("a", random_)}, {"c2", k1_.Seal("b", random_)}};
  RekeyOptions options;
  options.cursor = "c2";
  absl::StatusOr<RekeyCounts> counts = Reseal(store_, k2_, random_, options);
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->scanned, 1);
  EXPECT_TRUE(store_.records["c1"].starts_with("v1.k1."));
  EXPECT_TRUE(store_.records["c2"].starts_with("v1.k2."));
}

}  // namespace
}  // namespace moderation::rekey
