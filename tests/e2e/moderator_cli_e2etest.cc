#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "client/modctl/display_text.h"
#include "tests/e2e/moderator_cli_fixture.h"

// modctl's commands, through the real binary, against the real server and
// Redis: tables for people, JSON for scripts (parsed here), exit codes.
namespace moderation::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kLongBody[] =
    "Giá điện tăng liên tục trong khi chất lượng dịch vụ chưa cải thiện. Tôi đề nghị ngành điện "
    "công khai chi phí sản xuất, truyền tải và phân phối để người dân được biết rõ vì sao giá "
    "phải tăng, và có lộ trình hỗ trợ các hộ nghèo ở vùng sâu vùng xa.";

class ModctlCommandsTest : public ModeratorCliTest {
 protected:
  // Two plain comments on one article, one flagged (a phone number in the
  // body) on another, from another reader.
  void SeedQueue() {
    plain_ = Post("kinh-te-12", "Nguyễn Thị Hoa", "Giá điện", kLongBody);
    second_ = Post("kinh-te-12", "Trần Văn Bình", "Đồng tình", "Tôi đồng ý với ý kiến trên.");
    flagged_ = Post("the-thao-7", "Lê Quang Hải", "Bán vé",
                    "Cần bán vé xem chung kết giá rẻ, liên hệ 0912 345 678.", "198.51.100.23",
                    "0987 654 321");
  }

  std::string plain_;
  std::string second_;
  std::string flagged_;
};

TEST_F(ModctlCommandsTest, QueueListsFlaggedFirstAndParsesAsJson) {
  SeedQueue();
  const Run listed = Modctl({"queue", "--output", "json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  const auto page = FromJson<v1::ListPendingResponse>(listed.out);
  ASSERT_EQ(page.comments_size(), 3);
  EXPECT_EQ(page.total_pending(), 3);
  EXPECT_EQ(page.comments(0).comment_id(), flagged_);
  EXPECT_TRUE(page.comments(0).flagged());
  EXPECT_EQ(page.comments(1).comment_id(), plain_);
  EXPECT_EQ(page.comments(2).comment_id(), second_);
  // `list` is the same command.
  EXPECT_EQ(Modctl({"list", "--output", "json"}).out, listed.out);

  const Run table = Modctl({"queue"});
  ASSERT_EQ(table.exit_code, 0);
  EXPECT_THAT(table.out, HasSubstr("Nguyễn Thị Hoa"));
  EXPECT_THAT(table.out, HasSubstr("contact"));
  EXPECT_THAT(table.out, HasSubstr("3 shown, 3 pending in all"));
  EXPECT_LT(table.out.find(flagged_), table.out.find(plain_));
}

TEST_F(ModctlCommandsTest, QueueFitsTheTerminalAndCutsLongBodies) {
  SeedQueue();
  for (const int columns : {72, 100, 160}) {
    const Run table = Modctl({"queue"}, {{"COLUMNS", std::to_string(columns)}});
    ASSERT_EQ(table.exit_code, 0);
    for (absl::string_view line : absl::StrSplit(table.out, '\n', absl::SkipEmpty())) {
      EXPECT_LE(modctl::DisplayWidth(line), static_cast<std::size_t>(columns))
          << columns << " columns: " << line;
    }
    // The long body does not fit, even at 160 columns: it ends in "…".
    EXPECT_THAT(table.out, HasSubstr("…")) << table.out;
    EXPECT_THAT(table.out, Not(HasSubstr("các hộ nghèo ở vùng sâu vùng xa")));
  }
  // In a real terminal, the width is the terminal's.
  std::unique_ptr<testing::PtyProcess> terminal = ModctlInTerminal({"queue"}, {}, 64);
  ASSERT_TRUE(terminal);
  ASSERT_EQ(terminal->Wait().value_or(-1), 0);
  for (absl::string_view line : absl::StrSplit(terminal->output(), "\r\n", absl::SkipEmpty())) {
    EXPECT_LE(modctl::DisplayWidth(line), 64u) << line;
  }
}

TEST_F(ModctlCommandsTest, QueueFiltersOnTheServer) {
  SeedQueue();
  const auto ids = [&](const std::vector<std::string>& filter) {
    std::vector<std::string> args = {"queue", "--output", "json"};
    args.insert(args.end(), filter.begin(), filter.end());
    const Run run = Modctl(args);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    std::vector<std::string> out;
    const auto page = FromJson<v1::ListPendingResponse>(run.out);
    for (const v1::ModeratedComment& comment : page.comments()) {
      out.push_back(comment.comment_id());
    }
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(ids({"--article", "kinh-te-12"}), (V{plain_, second_}));
  EXPECT_EQ(ids({"--rule", "contact"}), V{flagged_});
  EXPECT_EQ(ids({"--flagged"}), V{flagged_});
  EXPECT_EQ(ids({"--min-score", "4"}), V{flagged_});
  EXPECT_EQ(ids({"--older-than", "1h"}), V{});
  EXPECT_EQ(ids({"--newer-than", "1h", "--article", "the-thao-7"}), V{flagged_});
  EXPECT_EQ(ids({"--from-ip", "198.51.100.0/24"}), V{flagged_});
  EXPECT_EQ(ids({"--from-ip", plain_}), (V{plain_, second_}));  // the same address
  EXPECT_EQ(ids({"--from-phone", flagged_}), V{flagged_});
  const std::string phone_key = Get(plain_).author_phone_key();
  ASSERT_TRUE(absl::StartsWith(phone_key, "ph-"));
  EXPECT_EQ(ids({"--from-phone", phone_key}), (V{plain_, second_}));
}

TEST_F(ModctlCommandsTest, ShowGivesTheAuthorsHistoryWithoutTheirNumberOrAddress) {
  SeedQueue();
  const std::string third = Post("xa-hoi-3", "Nguyễn Thị Hoa", "Thêm ý kiến", "Cảm ơn tòa soạn.");
  ASSERT_EQ(Modctl({"reject", plain_, "--reason", "off-topic"}).exit_code, 0);
  ASSERT_EQ(Modctl({"approve", second_, "--as", "lan"}).exit_code, 0);

  const Run shown = Modctl({"show", third});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_THAT(shown.out, HasSubstr("Cảm ơn tòa soạn."));
  EXPECT_THAT(shown.out, HasSubstr("+84 9•• ••• •56"));
  EXPECT_THAT(shown.out, HasSubstr("Same phone (+84 9•• ••• •56, ph-"));
  EXPECT_THAT(shown.out, HasSubstr("2 other comments: 0 pending, 1 approved, 1 rejected"));
  EXPECT_THAT(shown.out, HasSubstr("Same address (203.0.113.0/24, ip-"));
  for (const char* personal : {"0903", "903123456", "203.0.113.77"}) {
    EXPECT_THAT(shown.out, Not(HasSubstr(personal)));
  }

  const Run json = Modctl({"show", third, "--output", "json"});
  ASSERT_EQ(json.exit_code, 0);
  const auto view = FromJson<v1::GetCommentResponse>(json.out);
  EXPECT_EQ(view.comment().comment_id(), third);
  ASSERT_EQ(view.author_history_size(), 2);
  EXPECT_EQ(view.author_history(0).other_comments(), 2);
  EXPECT_EQ(view.author_history(0).approved(), 1);
  EXPECT_EQ(view.author_history(0).rejected(), 1);
  EXPECT_EQ(view.author_history(0).shown_as(), "+84 9•• ••• •56");

  // A decided comment shows its audit trail.
  const auto decided =
      FromJson<v1::GetCommentResponse>(Modctl({"show", second_, "--output", "json"}).out);
  ASSERT_EQ(decided.audit_entries_size(), 1);
  EXPECT_EQ(decided.audit_entries(0).action(), v1::AUDIT_ACTION_APPROVE);
  EXPECT_EQ(decided.audit_entries(0).moderator(), "lan");
}

TEST_F(ModctlCommandsTest, BulkDecisionsBySelectionAskFirstOrTakeYes) {
  SeedQueue();
  // No answer (stdin is empty): nothing is done.
  const Run unconfirmed = Modctl({"reject", "--from-ip", plain_, "--reason", "spam"});
  EXPECT_EQ(unconfirmed.exit_code, 2);
  EXPECT_THAT(unconfirmed.err, HasSubstr("Reject (spam) 2 pending comments?"));
  EXPECT_THAT(unconfirmed.err, HasSubstr("nothing was changed"));
  EXPECT_EQ(Get(plain_).status(), v1::COMMENT_STATUS_PENDING);

  const Run done =
      Modctl({"reject", "--from-ip", plain_, "--reason", "spam", "--yes", "--output", "json"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  const auto results = FromJson<google::protobuf::ListValue>(done.out);
  ASSERT_EQ(results.values_size(), 2);
  for (const google::protobuf::Value& result : results.values()) {
    EXPECT_TRUE(result.struct_value().fields().at("ok").bool_value());
    EXPECT_EQ(result.struct_value()
                  .fields()
                  .at("comment")
                  .struct_value()
                  .fields()
                  .at("status")
                  .string_value(),
              "COMMENT_STATUS_REJECTED");
  }
  EXPECT_EQ(Get(plain_).status(), v1::COMMENT_STATUS_REJECTED);
  EXPECT_EQ(Get(second_).status(), v1::COMMENT_STATUS_REJECTED);
  EXPECT_EQ(Get(flagged_).status(), v1::COMMENT_STATUS_PENDING);

  // Nothing left to match: not an error.
  const Run none = Modctl({"approve", "--from-ip", plain_, "--yes"});
  EXPECT_EQ(none.exit_code, 0);
  EXPECT_THAT(none.err, HasSubstr("no pending comment matches"));

  // Several ids at once need no question.
  const std::string a = Post("a", "A", "T", "Một");
  const std::string b = Post("a", "B", "T", "Hai");
  const Run both = Modctl({"approve", a, b});
  EXPECT_EQ(both.exit_code, 0) << both.err;
  EXPECT_THAT(both.out, HasSubstr("approved " + a));
  EXPECT_THAT(both.out, HasSubstr("approved " + b));
}

TEST_F(ModctlCommandsTest, ABulkDecisionIsConfirmedInTheTerminal) {
  SeedQueue();
  std::unique_ptr<testing::PtyProcess> terminal =
      ModctlInTerminal({"approve", "--article", "kinh-te-12", "--note", "đã xem"});
  ASSERT_TRUE(terminal);
  ASSERT_TRUE(terminal->WaitFor("Approve 2 pending comments? [y/N]")) << terminal->output();
  ASSERT_TRUE(terminal->Type("y\r").ok());
  ASSERT_EQ(terminal->Wait().value_or(-1), 0) << terminal->output();
  EXPECT_EQ(Get(plain_).status(), v1::COMMENT_STATUS_APPROVED);
  EXPECT_EQ(Get(plain_).decision_note(), "đã xem");
  EXPECT_EQ(Get(flagged_).status(), v1::COMMENT_STATUS_PENDING);

  // "n" leaves everything as it was.
  terminal = ModctlInTerminal({"reject", "--flagged", "--reason", "spam"});
  ASSERT_TRUE(terminal->WaitFor("Reject (spam) 1 pending comment? [y/N]"));
  ASSERT_TRUE(terminal->Type("n\r").ok());
  EXPECT_EQ(terminal->Wait().value_or(-1), 2);
  EXPECT_EQ(Get(flagged_).status(), v1::COMMENT_STATUS_PENDING);
}

TEST_F(ModctlCommandsTest, UndoTakesBackOnlyYourOwnLastDecision) {
  SeedQueue();
  ASSERT_EQ(Modctl({"approve", plain_, "--as", "lan"}).exit_code, 0);
  ASSERT_EQ(Modctl({"reject", second_, "--reason", "spam", "--as", "lan"}).exit_code, 0);

  const Run not_last = Modctl({"undo", plain_, "--as", "lan"});
  EXPECT_EQ(not_last.exit_code, 1);
  EXPECT_THAT(not_last.err, HasSubstr("UNDO_NOT_ALLOWED"));
  const Run not_theirs = Modctl({"undo", second_, "--as", "mai"});
  EXPECT_EQ(not_theirs.exit_code, 1);

  const Run undone = Modctl({"undo", second_, "--as", "lan", "--output", "json"});
  ASSERT_EQ(undone.exit_code, 0) << undone.err;
  EXPECT_EQ(FromJson<v1::UndoDecisionResponse>(undone.out).comment().status(),
            v1::COMMENT_STATUS_PENDING);
  EXPECT_EQ(Get(second_).status(), v1::COMMENT_STATUS_PENDING);
  EXPECT_EQ(Modctl({"undo", second_, "--as", "lan"}).exit_code, 1);
}

TEST_F(ModctlCommandsTest, BanCanRejectTheAuthorsPendingCommentsAndUnbanLiftsIt) {
  SeedQueue();
  const Run banned = Modctl({"ban", "--comment", plain_, "--reason", "rao vặt", "--reject-pending",
                             "--reject-reason", "advertising", "--output", "json"});
  ASSERT_EQ(banned.exit_code, 0) << banned.err;
  const auto made = FromJson<v1::CreateBanResponse>(banned.out);
  ASSERT_EQ(made.bans_size(), 2);  // address and phone
  EXPECT_THAT(std::vector<std::string>(made.rejected_comment_ids().begin(),
                                       made.rejected_comment_ids().end()),
              ::testing::UnorderedElementsAre(plain_, second_));
  EXPECT_EQ(Get(second_).rejection_reason(), v1::REJECTION_REASON_ADVERTISING);
  EXPECT_EQ(Get(flagged_).status(), v1::COMMENT_STATUS_PENDING);

  const Run listed = Modctl({"bans", "--output", "json"});
  ASSERT_EQ(listed.exit_code, 0);
  EXPECT_EQ(FromJson<v1::ListBansResponse>(listed.out).bans_size(), 2);
  const Run table = Modctl({"bans"});
  EXPECT_THAT(table.out, HasSubstr("+84 9•• ••• •56"));
  EXPECT_THAT(table.out, HasSubstr("2 bans"));

  EXPECT_EQ(Modctl({"unban", made.bans(0).ban_id(), made.bans(1).ban_id()}).exit_code, 0);
  EXPECT_EQ(FromJson<v1::ListBansResponse>(Modctl({"bans", "--output", "json"}).out).bans_size(),
            0);
  EXPECT_EQ(
      Modctl({"ban", "--prefix", "203.0.113.0/24", "--reason", "x", "--reject-pending"}).exit_code,
      1);
}

TEST_F(ModctlCommandsTest, AuditRecordsWhoDidWhatAndFilters) {
  SeedQueue();
  ASSERT_EQ(Modctl({"approve", plain_, "--as", "lan", "--note", "ổn"}).exit_code, 0);
  ASSERT_EQ(Modctl({"reject", flagged_, "--reason", "advertising", "--as", "mai"}).exit_code, 0);
  const Run banned =
      Modctl({"ban", "--ip", "192.0.2.1", "--reason", "bot", "--as", "mai", "--output", "json"});
  ASSERT_EQ(banned.exit_code, 0);
  const std::string ban_id = FromJson<v1::CreateBanResponse>(banned.out).bans(0).ban_id();
  ASSERT_EQ(Modctl({"unban", ban_id, "--as", "lan"}).exit_code, 0);

  const Run all = Modctl({"audit", "--output", "json"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  const auto log = FromJson<v1::ListAuditLogResponse>(all.out);
  ASSERT_EQ(log.entries_size(), 4);
  // Newest first.
  EXPECT_EQ(log.entries(0).action(), v1::AUDIT_ACTION_UNBAN);
  EXPECT_EQ(log.entries(0).moderator(), "lan");
  EXPECT_EQ(log.entries(1).action(), v1::AUDIT_ACTION_BAN);
  EXPECT_EQ(log.entries(1).ban_id(), ban_id);
  EXPECT_EQ(log.entries(2).action(), v1::AUDIT_ACTION_REJECT);
  EXPECT_EQ(log.entries(2).rejection_reason(), v1::REJECTION_REASON_ADVERTISING);
  EXPECT_TRUE(log.entries(2).flagged());
  EXPECT_EQ(log.entries(3).action(), v1::AUDIT_ACTION_APPROVE);
  EXPECT_EQ(log.entries(3).note(), "ổn");
  EXPECT_EQ(log.entries(3).sequence(), 1);
  EXPECT_EQ(log.entries(0).sequence(), 4);

  const auto by_mai = FromJson<v1::ListAuditLogResponse>(
      Modctl({"audit", "--moderator", "mai", "--output", "json"}).out);
  EXPECT_EQ(by_mai.entries_size(), 2);
  const auto about = FromJson<v1::ListAuditLogResponse>(
      Modctl({"audit", "--comment", flagged_, "--output", "json"}).out);
  ASSERT_EQ(about.entries_size(), 1);
  EXPECT_EQ(about.entries(0).moderator(), "mai");
  EXPECT_EQ(
      FromJson<v1::ListAuditLogResponse>(Modctl({"audit", "--until", "1h", "--output", "json"}).out)
          .entries_size(),
      0);
  EXPECT_EQ(FromJson<v1::ListAuditLogResponse>(
                Modctl({"audit", "--since", "1h", "--limit", "3", "--output", "json"}).out)
                .entries_size(),
            3);

  const Run table = Modctl({"audit"});
  EXPECT_THAT(table.out, HasSubstr("MODERATOR"));
  EXPECT_THAT(table.out, HasSubstr("note: ổn"));
  EXPECT_THAT(table.out, HasSubstr("4 entries"));
}

TEST_F(ModctlCommandsTest, AuditVerifyPassesThenPointsAtTheEntryAlteredInRedis) {
  SeedQueue();
  ASSERT_EQ(Modctl({"approve", plain_, "--as", "lan"}).exit_code, 0);
  ASSERT_EQ(Modctl({"reject", second_, "--reason", "spam", "--as", "lan"}).exit_code, 0);
  ASSERT_EQ(Modctl({"approve", flagged_, "--as", "mai"}).exit_code, 0);

  const Run intact = Modctl({"audit", "--verify"});
  EXPECT_EQ(intact.exit_code, 0) << intact.err;
  EXPECT_THAT(intact.out, HasSubstr("OK: the audit chain is intact (3 entries checked"));
  const auto verified =
      FromJson<v1::VerifyAuditLogResponse>(Modctl({"audit", "--verify", "--output", "json"}).out);
  EXPECT_TRUE(verified.intact());
  EXPECT_EQ(verified.entries_checked(), 3);

  // By hand, as someone with access to Redis would: the second entry says
  // "approve" instead of "reject". A stream cannot be edited in place, so
  // it is rewritten with the same ids.
  const auto log = FromJson<v1::ListAuditLogResponse>(Modctl({"audit", "--output", "json"}).out);
  ASSERT_EQ(log.entries_size(), 3);
  const std::string altered = log.entries(1).entry_id();
  ASSERT_EQ(log.entries(1).action(), v1::AUDIT_ACTION_REJECT);
  const absl::StatusOr<std::string> rewritten =
      redis_->Cli({"EVAL",
                   // NOLINTNEXTLINE(bugprone-suspicious-missing-comma): one script
                   "local all = redis.call('XRANGE', KEYS[1], '-', '+') redis.call('DEL', KEYS[1]) "
                   "for _, e in ipairs(all) do local f = e[2] if e[1] == ARGV[1] then "
                   "for i = 1, #f, 2 do if f[i] == 'action' then f[i + 1] = 'approve' end end end "
                   "redis.call('XADD', KEYS[1], e[1], unpack(f)) end return #all",
                   "1", "mod:{c}:audit", altered});
  ASSERT_TRUE(rewritten.ok()) << rewritten.status();
  ASSERT_EQ(*rewritten, "3");

  const Run broken = Modctl({"audit", "--verify"});
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_THAT(broken.out,
              HasSubstr("BROKEN: the audit chain breaks at entry " + altered + " (sequence 2)"));
  EXPECT_THAT(broken.out, HasSubstr("altered"));
  const Run json = Modctl({"audit", "--verify", "--output", "json"});
  EXPECT_EQ(json.exit_code, 1);
  const auto result = FromJson<v1::VerifyAuditLogResponse>(json.out);
  EXPECT_FALSE(result.intact());
  EXPECT_EQ(result.broken_entry_id(), altered);
  EXPECT_EQ(result.broken_sequence(), 2);
  EXPECT_EQ(result.problem(), v1::AUDIT_PROBLEM_ALTERED);
}

TEST_F(ModctlCommandsTest, StatsCountDecisionsAndHowTheSpamFlagsFared) {
  SeedQueue();
  const std::string another = Post("the-thao-7", "Phạm Minh", "Vé", "Gọi 0913 000 111 để mua vé.",
                                   "192.0.2.44", "0913 000 111");
  ASSERT_EQ(Modctl({"reject", flagged_, "--reason", "advertising", "--as", "lan"}).exit_code, 0);
  ASSERT_EQ(Modctl({"approve", plain_, "--as", "lan"}).exit_code, 0);
  ASSERT_EQ(Modctl({"reject", second_, "--reason", "off-topic", "--as", "mai"}).exit_code, 0);
  // Taken back: not counted.
  ASSERT_EQ(Modctl({"reject", another, "--reason", "spam", "--as", "mai"}).exit_code, 0);
  ASSERT_EQ(Modctl({"undo", another, "--as", "mai"}).exit_code, 0);

  const Run json = Modctl({"stats", "--output", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto stats = FromJson<v1::GetStatsResponse>(json.out);
  EXPECT_EQ(stats.pending(), 1);
  EXPECT_EQ(stats.pending_flagged(), 1);
  ASSERT_EQ(stats.moderators_size(), 2);
  EXPECT_EQ(stats.moderators(0).moderator(), "lan");
  EXPECT_EQ(stats.moderators(0).approved(), 1);
  EXPECT_EQ(stats.moderators(0).rejected(), 1);
  EXPECT_EQ(stats.moderators(1).moderator(), "mai");
  EXPECT_EQ(stats.moderators(1).rejected(), 1);
  EXPECT_EQ(stats.moderators(1).undone(), 1);
  ASSERT_EQ(stats.reasons_size(), 2);
  EXPECT_EQ(stats.reasons(0).reason(), v1::REJECTION_REASON_ADVERTISING);
  EXPECT_EQ(stats.reasons(1).reason(), v1::REJECTION_REASON_OFF_TOPIC);
  EXPECT_EQ(stats.spam_filter().flagged_rejected(), 1);
  EXPECT_EQ(stats.spam_filter().unflagged_rejected(), 1);
  EXPECT_EQ(stats.spam_filter().unflagged_approved(), 1);
  EXPECT_EQ(stats.spam_filter().flagged_approved(), 0);

  const Run table = Modctl({"stats", "--period", "1h"});
  ASSERT_EQ(table.exit_code, 0);
  EXPECT_THAT(table.out, HasSubstr("Queue: 1 pending (1 flagged)"));
  EXPECT_THAT(table.out, HasSubstr("Rejected by reason: advertising 1, off-topic 1"));
  EXPECT_THAT(table.out, HasSubstr("rejections the filter had flagged: 50%"));
}

TEST_F(ModctlCommandsTest, ExitCodesSayWhatWentWrong) {
  SeedQueue();
  // 2: the command line.
  for (const std::vector<std::string>& usage : std::vector<std::vector<std::string>>{
           {"frobnicate"},
           {"reject", plain_, "--reason", "boring"},
           {"queue", "--older-than", "soon"},
           {"queue", "--from-phone", "+84 9•• ••• •56"},
           {"approve", plain_, "--article", "kinh-te-12"},
           {"approve"},
           {"audit", "--verify", "--moderator", "lan"},
           {"stats", "--period", "forever"},
           {"queue", "--as", "not a name"},
           {"review", "--output", "json"},
       }) {
    const Run run = Modctl(usage);
    EXPECT_EQ(run.exit_code, 2) << absl::StrJoin(usage, " ") << "\n" << run.err;
  }
  // 1: the server said no, and why.
  const Run missing = Modctl({"show", "01JD0000000000000000000001"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("NOT_FOUND"));
  EXPECT_THAT(missing.err, HasSubstr("COMMENT_NOT_FOUND"));
  ASSERT_EQ(Modctl({"approve", plain_}).exit_code, 0);
  const Run twice = Modctl({"approve", plain_});
  EXPECT_EQ(twice.exit_code, 1);
  EXPECT_THAT(twice.err, HasSubstr("COMMENT_NOT_PENDING"));
  EXPECT_EQ(Modctl({"queue", "--rule", "NOT A RULE"}).exit_code, 1);
  // 3: nobody answers.
  const Run unreachable =
      Modctl({"queue", "--timeout", "2"},
             {{"MODCTL_SERVER", "127.0.0.1:" + std::to_string(testing::PickFreePort())}});
  EXPECT_EQ(unreachable.exit_code, 3);
  EXPECT_THAT(unreachable.err, HasSubstr("MODCTL_SERVER"));
  // 3 as well when the server is up but Redis is not.
  ASSERT_TRUE(redis_->Kill().ok());
  EXPECT_TRUE(testing::WaitFor([&] { return Modctl({"queue"}).exit_code == 3; }, absl::Seconds(5)));
}

TEST_F(ModctlCommandsTest, SettingsComeFromFlagsThenEnvironmentThenTheConfigFile) {
  SeedQueue();
  const std::string config = redis_->data_dir() + "/config.toml";
  const std::string dead = "127.0.0.1:" + std::to_string(testing::PickFreePort());
  {
    std::ofstream file(config);
    file << "server = \"" << address_ << "\"\nas = \"hoa\"\ntimeout = 5\n";
  }
  // The file alone.
  EXPECT_EQ(Modctl({"approve", plain_}, {{"MODCTL_CONFIG", config}}).exit_code, 0);
  EXPECT_EQ(Get(plain_).decided_by(), "hoa");
  // The environment over the file.
  EXPECT_EQ(
      Modctl({"queue", "--timeout", "1"}, {{"MODCTL_CONFIG", config}, {"MODCTL_SERVER", dead}})
          .exit_code,
      3);
  EXPECT_EQ(
      Modctl({"approve", second_}, {{"MODCTL_CONFIG", config}, {"MODCTL_AS", "binh"}}).exit_code,
      0);
  EXPECT_EQ(Get(second_).decided_by(), "binh");
  // A flag over both.
  EXPECT_EQ(
      Modctl({"queue", "--server", address_}, {{"MODCTL_CONFIG", config}, {"MODCTL_SERVER", dead}})
          .exit_code,
      0);
  // The XDG place.
  const std::string xdg = redis_->data_dir() + "/xdg";
  std::filesystem::create_directories(xdg + "/modctl");
  std::filesystem::copy_file(config, xdg + "/modctl/config.toml");
  EXPECT_EQ(Modctl({"queue"}, {{"MODCTL_CONFIG", ""}, {"XDG_CONFIG_HOME", xdg}}).exit_code, 0);
  // A key the file may not hold is a usage error, named.
  {
    std::ofstream file(config, std::ios::trunc);
    file << "sever = \"" << address_ << "\"\n";
  }
  const Run unknown = Modctl({"queue"}, {{"MODCTL_CONFIG", config}});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("unknown key \"sever\""));
}

TEST_F(ModctlCommandsTest, HelpHasExamplesAndBashCompletionWorks) {
  const Run help = Modctl({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("Examples:"));
  for (const char* command : {"queue", "show", "review", "approve", "reject", "ban", "audit"}) {
    const Run run = Modctl({command, "--help"});
    EXPECT_EQ(run.exit_code, 0) << command;
    EXPECT_THAT(run.out, HasSubstr("Example")) << command;
  }
  const Run completion = Modctl({"completion", "bash"});
  ASSERT_EQ(completion.exit_code, 0);
  EXPECT_THAT(completion.out, HasSubstr("complete -F _modctl modctl"));
  const std::string script = redis_->data_dir() + "/modctl.bash";
  {
    std::ofstream file(script);
    file << completion.out;
  }
  // The script is valid bash and completes commands and reasons.
  absl::StatusOr<testing::CommandResult> completed = testing::RunCommand(
      {"/bin/bash", "-c",
       "source " + script +
           "; COMP_WORDS=(modctl rev); COMP_CWORD=1; _modctl; echo \"${COMPREPLY[*]}\"; "
           "COMP_WORDS=(modctl reject --reason o); COMP_CWORD=3; _modctl; "
           "echo \"${COMPREPLY[*]}\""},
      {});
  ASSERT_TRUE(completed.ok());
  EXPECT_EQ(completed->exit_code, 0);
  EXPECT_THAT(completed->output, HasSubstr("review"));
  EXPECT_THAT(completed->output, HasSubstr("offensive off-topic other"));
}

TEST_F(ModctlCommandsTest, ColoursOnlyOnATerminalAndNeverWithNoColor) {
  SeedQueue();
  std::unique_ptr<testing::PtyProcess> coloured = ModctlInTerminal({"queue"}, {{"NO_COLOR", ""}});
  ASSERT_EQ(coloured->Wait().value_or(-1), 0);
  EXPECT_THAT(coloured->output(), HasSubstr("\x1b[31m"));  // the flagged score in red
  std::unique_ptr<testing::PtyProcess> plain = ModctlInTerminal({"queue"}, {{"NO_COLOR", "1"}});
  ASSERT_EQ(plain->Wait().value_or(-1), 0);
  EXPECT_THAT(plain->output(), Not(HasSubstr("\x1b[")));
  EXPECT_THAT(Modctl({"queue"}, {{"NO_COLOR", ""}}).out, Not(HasSubstr("\x1b[")));
}

// With tokens, the token names the moderator; --as changes nothing, and
// roles are enforced (verifying the audit log is an admin's).
class ModctlWithTokensTest : public ModeratorCliTest {
 protected:
  void SetUp() override {
    ModeratorCliTest::SetUp();
    const std::string portal(43, 'p');
    const std::string moderator(43, 'm');
    const std::string admin(43, 'a');
    // Set first: the restart's readiness probe is a portal call.
    portal_token_ = portal;
    RestartServerWith({{"MODERATION_SPAM_RULES_FILE",
                        std::string(MODERATION_SOURCE_DIR) + "/deploy/spam-rules.toml"},
                       {"MODERATION_RATELIMIT_ENABLED", "0"},
                       {"MODERATION_AUTH_TOKENS",
                        absl::StrCat("web:portal:", Sha256Hex(portal), ",lan:moderator:",
                                     Sha256Hex(moderator), ",chi:admin:", Sha256Hex(admin))}});
    moderator_token_ = moderator;
    admin_token_ = admin;
  }

  static std::string Sha256Hex(const std::string& token);

  std::string moderator_token_;
  std::string admin_token_;
};

std::string ModctlWithTokensTest::Sha256Hex(const std::string& token) {
  // sha256sum, to keep OpenSSL out of the test's own code.
  const std::string path = ::testing::TempDir() + "/token-" + std::to_string(::getpid());
  {
    std::ofstream file(path);
    file << token;
  }
  absl::StatusOr<testing::CommandResult> hashed =
      testing::RunCommand({"/usr/bin/sha256sum", path}, {});
  std::remove(path.c_str());
  return hashed.ok() ? hashed->output.substr(0, 64) : "";
}

TEST_F(ModctlWithTokensTest, TheTokenNamesTheModeratorAndRolesAreEnforced) {
  const std::string id = Post("a", "Vũ Thị Lan", "Ý kiến", "Bài viết hay.");
  const Run approved =
      Modctl({"approve", id, "--as", "someone-else"}, {{"MODCTL_TOKEN", moderator_token_}});
  ASSERT_EQ(approved.exit_code, 0) << approved.err;
  const auto log = FromJson<v1::ListAuditLogResponse>(
      Modctl({"audit", "--output", "json"}, {{"MODCTL_TOKEN", moderator_token_}}).out);
  ASSERT_EQ(log.entries_size(), 1);
  EXPECT_EQ(log.entries(0).moderator(), "lan");

  const Run denied = Modctl({"audit", "--verify"}, {{"MODCTL_TOKEN", moderator_token_}});
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_THAT(denied.err, HasSubstr("PERMISSION_DENIED"));
  EXPECT_EQ(Modctl({"audit", "--verify"}, {{"MODCTL_TOKEN", admin_token_}}).exit_code, 0);
  const Run anonymous = Modctl({"queue"});
  EXPECT_EQ(anonymous.exit_code, 1);
  EXPECT_THAT(anonymous.err, HasSubstr("UNAUTHENTICATED"));
}

}  // namespace
}  // namespace moderation::e2e
