#include "service/spam/spam_scorer.h"

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "absl/strings/match.h"

namespace moderation::spam {
namespace {

class FixedModel final : public SpamModel {
 public:
  explicit FixedModel(double p) : p_(p) {}
  double SpamProbability(absl::string_view /*text*/) const override { return p_; }

 private:
  double p_;
};

SpamRules TestRules() {
  absl::StatusOr<SpamRules> rules = ParseSpamRules(R"toml(
[thresholds]
flag = 3
reject = 10
[banned_words]
weight = 10
words = ["địt", "viagra"]
[suspect_words]
weight = 3
words = ["vay tiền", "nhà cái"]
[restricted_names]
weight = 4
words = ["ban biên tập"]
[links]
weight = 1
blocked_domains = ["casino-vip.com"]
allowed_domains = ["vnexpress.net"]
)toml",
                                                   "test.toml");
  EXPECT_TRUE(rules.ok()) << rules.status();
  return *rules;
}

SpamInput Input(absl::string_view body, absl::string_view title = "Ý kiến",
                absl::string_view name = "Lan") {
  SpamInput input;
  input.name = name;
  input.title = title;
  input.body = body;
  return input;
}

const Signal* Find(const Verdict& verdict, absl::string_view rule) {
  for (const Signal& signal : verdict.signals) {
    if (signal.rule == rule) {
      return &signal;
    }
  }
  return nullptr;
}

Verdict Score(const SpamScorer& scorer, const SpamInput& input, Recollection recollection = {}) {
  return scorer.Decide(scorer.Examine(input), recollection);
}

TEST(SpamScorerTest, OrdinaryCommentIsQueuedWithoutSignals) {
  SpamScorer scorer(TestRules(), nullptr);
  const Verdict verdict =
      Score(scorer, Input("Bài viết rất hay, cảm ơn tác giả đã phân tích kỹ vấn đề này."));
  EXPECT_EQ(verdict.action, SpamAction::kQueue);
  EXPECT_TRUE(verdict.signals.empty());
  EXPECT_EQ(verdict.score, 0);
}

TEST(SpamScorerTest, BannedWordRejectsWithReason) {
  SpamScorer scorer(TestRules(), nullptr);
  const Verdict verdict = Score(scorer, Input("mua v.i.a.g.r.a giá rẻ"));
  EXPECT_EQ(verdict.action, SpamAction::kReject);
  EXPECT_EQ(verdict.refusal_reason, "BANNED_WORD");
  ASSERT_NE(Find(verdict, "banned_words"), nullptr);
  EXPECT_EQ(Find(verdict, "banned_words")->detail, "viagra");
  EXPECT_FALSE(verdict.discard);
}

TEST(SpamScorerTest, SuspectWordsAddUpPerEntry) {
  SpamScorer scorer(TestRules(), nullptr);
  const Verdict verdict = Score(scorer, Input("Vay tien nhanh qua nha cai uy tin"));
  ASSERT_NE(Find(verdict, "suspect_words"), nullptr);
  EXPECT_EQ(Find(verdict, "suspect_words")->score, 6);
  EXPECT_EQ(verdict.action, SpamAction::kFlag);
}

TEST(SpamScorerTest, PhoneNumberInAnySpacingIsAdvertising) {
  SpamScorer scorer(TestRules(), nullptr);
  for (const char* body : {"Liên hệ 0912 345 678 để mua", "lh 0 9 1 2 . 3 4 5 . 6 7 8 nha",
                           "goi +84 912-345-678", "Gọi ０９１２３４５６７８"}) {
    const Verdict verdict = Score(scorer, Input(body));
    const Signal* contact = Find(verdict, "contact");
    ASSERT_NE(contact, nullptr) << body;
    EXPECT_TRUE(absl::StrContains(contact->detail, "phone")) << body;
    EXPECT_FALSE(absl::StrContains(contact->detail, "345")) << "phone digits leaked: " << body;
    EXPECT_EQ(verdict.action, SpamAction::kFlag) << body;
  }
  // A year and a price are not phone numbers.
  EXPECT_EQ(Find(Score(scorer, Input("Năm 2024 giá 150000 đồng")), "contact"), nullptr);
}

TEST(SpamScorerTest, EmailAndMessengerHandlesAreContacts) {
  SpamScorer scorer(TestRules(), nullptr);
  EXPECT_NE(Find(Score(scorer, Input("mail ban@example.com nhé")), "contact"), nullptr);
  EXPECT_NE(Find(Score(scorer, Input("kết bạn Zalo mình nha")), "contact"), nullptr);
  EXPECT_NE(Find(Score(scorer, Input("join t.me/kiemtien99")), "contact"), nullptr);
}

TEST(SpamScorerTest, LinksCountedBlockedAndAllowed) {
  SpamScorer scorer(TestRules(), nullptr);
  const Verdict two = Score(scorer, Input("xem https://a.example/x và www.b.example"));
  ASSERT_NE(Find(two, "links"), nullptr);
  EXPECT_EQ(Find(two, "links")->score, 2);
  EXPECT_EQ(Find(Score(scorer, Input("nguồn: https://vnexpress.net/abc")), "links"), nullptr);
  const Verdict blocked = Score(scorer, Input("chơi tại m.casino-vip.com ngay"));
  ASSERT_NE(Find(blocked, "links_blocked"), nullptr);
  EXPECT_EQ(blocked.refusal_reason, "LINK_NOT_ALLOWED");
  EXPECT_NE(Find(Score(scorer, Input("bấm bit.ly/abc")), "links_shortened"), nullptr);
  // Abbreviations with dots are not links.
  EXPECT_EQ(Find(Score(scorer, Input("ở tp.hcm v.v.")), "links"), nullptr);
}

TEST(SpamScorerTest, RepetitionShoutingAndLength) {
  SpamScorer scorer(TestRules(), nullptr);
  EXPECT_NE(Find(Score(scorer, Input("hay quá!!!!!!!!")), "repeated_characters"), nullptr);
  EXPECT_NE(Find(Score(scorer, Input("đẹppppppp")), "repeated_characters"), nullptr);
  EXPECT_NE(Find(Score(scorer, Input("mua mua mua mua đi")), "repeated_words"), nullptr);
  EXPECT_NE(
      Find(Score(scorer, Input("MUA NGAY HÔM NAY GIẢM GIÁ CỰC SỐC", "KHUYẾN MÃI")), "shouting"),
      nullptr);
  EXPECT_EQ(Find(Score(scorer, Input("Tôi đồng ý với ý kiến của Bộ Y tế")), "shouting"), nullptr);
  EXPECT_NE(Find(Score(scorer, Input("k")), "length"), nullptr);
}

TEST(SpamScorerTest, HoneypotAndTooFast) {
  SpamScorer scorer(TestRules(), nullptr);
  SpamInput input = Input("Bình luận bình thường");
  input.honeypot = "http://x";
  EXPECT_EQ(Score(scorer, input).action, SpamAction::kReject);
  input.honeypot = "";
  input.since_captcha = absl::Milliseconds(800);
  ASSERT_NE(Find(Score(scorer, input), "too_fast"), nullptr);
  input.since_captcha = absl::Seconds(20);
  EXPECT_EQ(Find(Score(scorer, input), "too_fast"), nullptr);
}

TEST(SpamScorerTest, RestrictedNameIsFlagged) {
  SpamScorer scorer(TestRules(), nullptr);
  const Verdict verdict = Score(scorer, Input("Thông báo mới", "Tin", "Ban Bien Tap"));
  ASSERT_NE(Find(verdict, "restricted_names"), nullptr);
  EXPECT_EQ(verdict.action, SpamAction::kFlag);
}

TEST(SpamScorerTest, RepeatAndNearDuplicateComeFromRecollection) {
  SpamScorer scorer(TestRules(), nullptr);
  const SpamInput input =
      Input("Sản phẩm này rất tốt, mọi người nên mua thử một lần cho biết nhé các bạn");
  const Examination examination = scorer.Examine(input);
  EXPECT_TRUE(examination.traces.repeat_eligible);
  ASSERT_TRUE(examination.traces.simhash.has_value());
  EXPECT_EQ(examination.traces.normalized_body.substr(0, 16), "san pham nay rat");

  Recollection seen;
  seen.earlier_copies = 2;
  const Verdict repeat = scorer.Decide(examination, seen);
  ASSERT_NE(Find(repeat, "repeat_post"), nullptr);
  EXPECT_EQ(Find(repeat, "repeat_post")->detail, "posted 3 times");

  Recollection near;
  near.near_duplicate_authors = 2;
  EXPECT_NE(Find(scorer.Decide(examination, near), "near_duplicate"), nullptr);
  // An exact copy by others is one piece of evidence, counted once.
  near.earlier_copies = 1;
  const Verdict both = scorer.Decide(examination, near);
  EXPECT_NE(Find(both, "repeat_post"), nullptr);
  EXPECT_EQ(Find(both, "near_duplicate"), nullptr);
  // Short bodies are not compared.
  EXPECT_FALSE(scorer.Examine(Input("cảm ơn")).traces.repeat_eligible);
}

TEST(SpamScorerTest, SimHashIsCloseForNearCopiesAndFarOtherwise) {
  const std::vector<std::string> a = {"san",   "pham", "nay", "rat", "tot", "moi",
                                      "nguoi", "nen",  "mua", "thu", "mot", "lan"};
  std::vector<std::string> b = a;
  b.back() = "lanh";
  const std::vector<std::string> c = {"chinh", "phu", "vua", "cong", "bo",  "ke",
                                      "hoach", "dau", "tu",  "cong", "nam", "moi"};
  EXPECT_LE(HammingDistance(SimHash(a), SimHash(b)), 16);
  EXPECT_GT(HammingDistance(SimHash(a), SimHash(c)), 16);
  EXPECT_EQ(SimHash(a), SimHash(a));
}

TEST(SpamScorerTest, ClassifierAddsWeightAboveNeutral) {
  const FixedModel spammy(0.95);
  SpamScorer scorer(TestRules(), &spammy);
  const Verdict verdict = Score(scorer, Input("nội dung bất kỳ"));
  const Signal* classifier = Find(verdict, "classifier");
  ASSERT_NE(classifier, nullptr);
  EXPECT_NEAR(classifier->score, 6 * 0.9, 1e-9);
  EXPECT_EQ(classifier->detail, "p=0.950");

  const FixedModel neutral(0.5);
  SpamScorer quiet(TestRules(), &neutral);
  EXPECT_EQ(Find(Score(quiet, Input("nội dung bất kỳ")), "classifier"), nullptr);
}

TEST(SpamScorerTest, ShadowRulesAreReportedButNotCounted) {
  absl::StatusOr<SpamRules> rules = ParseSpamRules(R"toml(
[banned_words]
weight = 10
shadow = true
words = ["viagra"]
)toml",
                                                   "shadow.toml");
  ASSERT_TRUE(rules.ok()) << rules.status();
  SpamScorer scorer(*rules, nullptr);
  const Verdict verdict = Score(scorer, Input("viagra"));
  ASSERT_NE(Find(verdict, "banned_words"), nullptr);
  EXPECT_TRUE(Find(verdict, "banned_words")->shadow);
  EXPECT_EQ(verdict.score, 0);
  EXPECT_EQ(verdict.action, SpamAction::kQueue);
}

TEST(SpamScorerTest, DiscardActionHidesTheRefusal) {
  SpamRules rules = TestRules();
  rules.thresholds.reject_action = RejectAction::kDiscard;
  SpamScorer scorer(rules, nullptr);
  const Verdict verdict = Score(scorer, Input("viagra"));
  EXPECT_EQ(verdict.action, SpamAction::kReject);
  EXPECT_TRUE(verdict.discard);
}

TEST(SpamScorerTest, RulesReplacedWhileScoring) {
  SpamScorer scorer(TestRules(), nullptr);
  std::atomic<bool> stop{false};
  std::thread scoring([&] {
    while (!stop.load()) {
      const Verdict verdict = Score(scorer, Input("viagra"));
      // Whichever rules it got, it got one whole set.
      ASSERT_TRUE(verdict.action == SpamAction::kReject || verdict.action == SpamAction::kQueue);
    }
  });
  for (int i = 0; i < 50; ++i) {
    scorer.ReplaceRules(i % 2 == 0 ? DefaultSpamRules() : TestRules());
  }
  stop.store(true);
  scoring.join();
  scorer.ReplaceRules(DefaultSpamRules());
  EXPECT_EQ(Score(scorer, Input("viagra")).action, SpamAction::kQueue);
}

TEST(SpamRulesTest, RejectsUnknownKeysWrongTypesAndRanges) {
  const auto error = [](absl::string_view toml) {
    absl::StatusOr<SpamRules> rules = ParseSpamRules(toml, "rules.toml");
    EXPECT_FALSE(rules.ok()) << toml;
    return std::string(rules.status().message());
  };
  EXPECT_EQ(error("[suspect_words]\nweigth = 3\n"),
            "rules.toml:2: suspect_words.weigth is not a known setting");
  EXPECT_EQ(error("[links]\nweight = \"high\"\n"), "rules.toml:2: links.weight must be a number");
  EXPECT_EQ(error("[thresholds]\nflag = 20\nreject = 10\n"),
            "rules.toml: thresholds.flag must not exceed thresholds.reject");
  EXPECT_EQ(error("[thresholds]\nreject_action = \"drop\"\n"),
            "rules.toml: thresholds.reject_action must be \"refuse\" or \"discard\"");
  EXPECT_TRUE(absl::StartsWith(error("[bogus]\n"), "rules.toml:1: bogus is not a known section"));
  EXPECT_TRUE(absl::StartsWith(error("[links\n"), "rules.toml:1:"));
  // Inputs the fuzzer found to drive the TOML parser into undefined behaviour.
  EXPECT_TRUE(absl::StartsWith(error("[tholds]\nflaf = 4=====\"\xC5\x91===\n"), "rules.toml:2:"));
  EXPECT_TRUE(absl::StartsWith(error("\xEF\xBB\xB7te1=n \" 27.0.0.t"), "rules.toml:1:"));
  EXPECT_EQ(error("[near_duplicate]\nmax_distance = 9\n"),
            "rules.toml:2: near_duplicate.max_distance must be between 0 and 3");
}

// Rules with the contact, suspect-word and promotion settings of the shipped file.
SpamRules WeighedRules() {
  absl::StatusOr<SpamRules> rules = ParseSpamRules(R"toml(
[thresholds]
flag = 4
reject = 10
[suspect_words]
weight = 2
name_factor = 2
warning_factor = 0.5
warning_words = ["lừa đảo", "cẩn thận"]
words = ["vay tiền", "nhà cái", "việc nhẹ lương cao", "làm tại nhà", "giải ngân"]
[links]
weight = 2
allowed_domains = ["gov.vn"]
[contact]
phone_weight = 2
landline_weight = 1
email_weight = 2
messenger_weight = 1
handle_weight = 3
header_weight = 4
civic_factor = 0.25
civic_words = ["đường dây nóng", "phường", "tổ trưởng", "cư dân"]
[promotion]
weight = 2
symbols = ["👉"]
)toml",
                                                   "weighed.toml");
  EXPECT_TRUE(rules.ok()) << rules.status();
  return *rules;
}

TEST(SpamScorerTest, EveryFieldIsScored) {
  SpamScorer scorer(WeighedRules(), nullptr);
  // The advert only in the name, the body bland: the name's words weigh double.
  const Verdict in_name = Score(scorer, Input("Cảm ơn tác giả.", "Góp ý", "Nhà cái ABC"));
  ASSERT_NE(Find(in_name, "suspect_words"), nullptr);
  EXPECT_EQ(Find(in_name, "suspect_words")->score, 4);
  EXPECT_EQ(in_name.action, SpamAction::kFlag);
  // A number in the name or the title is advertising wherever the body is bland.
  for (const SpamInput& input : {Input("Ủng hộ phường!", "Ý kiến", "Thông tắc cống O8l8 269 2OO"),
                                 Input("Ủng hộ!", "Gọi 0912 345 678", "Lan")}) {
    const Verdict verdict = Score(scorer, input);
    ASSERT_NE(Find(verdict, "contact"), nullptr) << input.name << input.title;
    EXPECT_GE(verdict.score, 4) << input.name << input.title;
  }
}

TEST(SpamScorerTest, EmailCountsOnceAsAContactNotAsALink) {
  SpamScorer scorer(WeighedRules(), nullptr);
  const Verdict verdict = Score(scorer, Input("gửi mail cho mình: ban@example.com"));
  ASSERT_NE(Find(verdict, "contact"), nullptr);
  EXPECT_EQ(Find(verdict, "links"), nullptr);
}

TEST(SpamScorerTest, AHotlineInAComplaintIsNoAdvertisement) {
  SpamScorer scorer(WeighedRules(), nullptr);
  const Verdict hotline = Score(
      scorer, Input("Tôi đã gọi đường dây nóng của phường số 024.7756.8761 mà chưa thấy ai xuống."));
  EXPECT_EQ(hotline.action, SpamAction::kQueue);
  const Verdict leader =
      Score(scorer, Input("Ai chưa vào nhóm Zalo cư dân thì nhắn tổ trưởng 0845.19.73.31 nhé."));
  EXPECT_EQ(leader.action, SpamAction::kQueue);
  // The same number offered with a loan is an advert.
  const Verdict loan =
      Score(scorer, Input("Cần vay tiền liên hệ 0845.19.73.31, giải ngân trong ngày"));
  EXPECT_NE(loan.action, SpamAction::kQueue);
}

TEST(SpamScorerTest, DisguisedContactsAndLinksAreFound) {
  SpamScorer scorer(WeighedRules(), nullptr);
  for (const char* body :
       {"vay tiền nhanh, Zalo không chín một hai ba bốn năm sáu bảy tám",
        "vay tiền nhanh LH O912.345.678",
        "nhà cái uy tín vào abc88 [.] com", "nhà cái uy tín vào abc88 chấm com"}) {
    EXPECT_GE(Score(scorer, Input(body)).score, 4) << body;
  }
  const Verdict spaced = Score(scorer, Input("v a y t i ề n n h a n h, Zalo 0912 345 678"));
  ASSERT_NE(Find(spaced, "suspect_words"), nullptr);
  EXPECT_TRUE(absl::StrContains(Find(spaced, "suspect_words")->detail, "vay tiền"));
}

TEST(SpamScorerTest, QuotedAndWarningWordsWeighLess) {
  SpamScorer scorer(WeighedRules(), nullptr);
  EXPECT_EQ(Find(Score(scorer, Input("Tờ rơi \"vay tiền nhanh, giải ngân ngay\" dán kín cột.")),
                 "suspect_words"),
            nullptr);
  const Verdict warning = Score(
      scorer, Input("Cẩn thận tin việc nhẹ lương cao, làm tại nhà, toàn lừa đảo cả đấy."));
  EXPECT_EQ(warning.action, SpamAction::kQueue);
  // The same words with a number to call are an offer.
  const Verdict offer =
      Score(scorer, Input("Việc nhẹ lương cao, làm tại nhà, không lừa đảo. Zalo 0912 345 678"));
  EXPECT_NE(offer.action, SpamAction::kQueue);
}

TEST(SpamScorerTest, PromotionMarksCountOncePerKind) {
  SpamScorer scorer(WeighedRules(), nullptr);
  const Verdict both = Score(scorer, Input("Giải trí thì vào KIMLONG39 nhé, nạp 50k tặng 50k"));
  ASSERT_NE(Find(both, "promotion"), nullptr);
  EXPECT_EQ(Find(both, "promotion")->score, 4);
  EXPECT_EQ(Find(Score(scorer, Input("Đoạn QL32 qua xã, F0 khỏi rồi")), "promotion"), nullptr);
}

TEST(SpamRulesTest, BuiltInRulesAreTheShippedFile) {
  const SpamRules shipped = ShippedSpamRules();
  absl::StatusOr<SpamRules> file =
      LoadSpamRules(std::string(MODERATION_SOURCE_DIR) + "/deploy/spam-rules.toml");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(shipped.suspect_words.words, file->suspect_words.words);
  EXPECT_EQ(shipped.contact.civic_words, file->contact.civic_words);
  EXPECT_EQ(shipped.thresholds.flag, file->thresholds.flag);
  EXPECT_FALSE(shipped.suspect_words.words.empty());
}

TEST(SpamRulesTest, AnEmptyRulesFileIsRefused) {
  const std::string path = ::testing::TempDir() + "/empty-spam-rules.toml";
  { std::ofstream(path, std::ios::trunc) << "\n  \n"; }
  absl::StatusOr<SpamRules> rules = LoadSpamRules(path);
  EXPECT_EQ(rules.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(rules.status().message(), "empty"));
  EXPECT_EQ(LoadSpamRules(path + ".missing").status().code(), absl::StatusCode::kNotFound);
}

TEST(SpamRulesTest, ShippedRulesFileParses) {
  absl::StatusOr<SpamRules> rules =
      LoadSpamRules(std::string(MODERATION_SOURCE_DIR) + "/deploy/spam-rules.toml");
  ASSERT_TRUE(rules.ok()) << rules.status();
  EXPECT_FALSE(rules->banned_words.words.empty());
  EXPECT_FALSE(rules->suspect_words.words.empty());
}

}  // namespace
}  // namespace moderation::spam
