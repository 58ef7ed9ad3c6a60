#include <gmock/gmock.h>

#include <chrono>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/e2e/moderator_cli_fixture.h"

// Retention through the real server and Redis: what a sweep erases and
// expires shows in the audit log, in `modctl stats` and in the metrics.
namespace moderation::e2e {
namespace {

using ::testing::HasSubstr;

constexpr char kRetention[] = "system:retention";

class ModctlRetentionTest : public ModeratorCliTest {
 protected:
  // Moves a comment's times back by `days`, as if it had been written and
  // decided that long ago: the server's settings stay those of production
  // (personal data kept 90 days, pending comments 30).
  void Age(const std::string& id, const std::string& field, int days) {
    const int64_t then_ms = absl::ToUnixMillis(absl::Now() - absl::Hours(24) * days);
    const absl::StatusOr<std::string> set =
        redis_->Cli({"HSET", absl::StrCat("mod:{c}:comment:", id), field, absl::StrCat(then_ms)});
    ASSERT_TRUE(set.ok()) << set.status();
  }

  // Retention's entries, newest first, once there are `expected` of them
  // (the server sweeps on a thread of its own, at start).
  v1::ListAuditLogResponse RetentionEntries(int expected) {
    v1::ListAuditLogResponse log;
    const absl::Time give_up = absl::Now() + absl::Seconds(60);
    do {
      const Run run = Modctl({"audit", "--moderator", kRetention, "--output", "json"});
      EXPECT_EQ(run.exit_code, 0) << run.err;
      log = FromJson<v1::ListAuditLogResponse>(run.out);
      if (log.entries_size() >= expected) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    } while (absl::Now() < give_up);
    return log;
  }
};

TEST_F(ModctlRetentionTest, RetentionsErasuresShowInAuditStatsAndMetrics) {
  const std::string approved =
      Post("kinh-te-12", "Nguyễn Thị Hoa", "Giá điện", "Giá điện tăng quá nhanh.");
  const std::string rejected = Post("kinh-te-12", "Trần Văn Bình", "Ý kiến", "Không liên quan.",
                                    "198.51.100.23", "0987 654 321");
  const std::string forgotten =
      Post("the-thao-7", "Lê Quang Hải", "Bóng đá", "Trận đấu hay.", "192.0.2.44", "0913 000 111");
  const std::string recent = Post("the-thao-7", "Phạm Minh", "Vé", "Còn vé không?");
  ASSERT_EQ(Modctl({"approve", approved, "--as", "lan"}).exit_code, 0);
  ASSERT_EQ(Modctl({"reject", rejected, "--reason", "off-topic", "--as", "mai"}).exit_code, 0);
  Age(approved, "decided_ms", 100);
  Age(rejected, "decided_ms", 91);
  Age(forgotten, "created_ms", 40);

  // A new server sweeps at once.
  RestartServerWith(extra_settings_);
  const v1::ListAuditLogResponse log = RetentionEntries(3);
  ASSERT_EQ(log.entries_size(), 3) << server_log_;
  int erased = 0;
  for (const v1::AuditEntry& entry : log.entries()) {
    EXPECT_EQ(entry.moderator(), kRetention);
    if (entry.action() == v1::AUDIT_ACTION_ERASE) {
      ++erased;
      EXPECT_THAT(entry.comment_id(), ::testing::AnyOf(approved, rejected));
      EXPECT_EQ(entry.note(),
                "personal data kept 90 days after the decision (retention.personal_data_days)");
    } else {
      EXPECT_EQ(entry.action(), v1::AUDIT_ACTION_EXPIRE);
      EXPECT_EQ(entry.comment_id(), forgotten);
      EXPECT_EQ(entry.note(), "pending longer than 30 days (retention.pending_max_age_days)");
    }
  }
  EXPECT_EQ(erased, 2);

  // The comment's own trail says what happened to it.
  const auto trail = FromJson<v1::ListAuditLogResponse>(
      Modctl({"audit", "--comment", approved, "--output", "json"}).out);
  ASSERT_EQ(trail.entries_size(), 2);
  EXPECT_EQ(trail.entries(0).action(), v1::AUDIT_ACTION_APPROVE);
  EXPECT_EQ(trail.entries(0).moderator(), "lan");
  EXPECT_EQ(trail.entries(1).action(), v1::AUDIT_ACTION_ERASE);
  const Run shown = Modctl({"show", approved});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_THAT(shown.out, HasSubstr("personal data erased by retention"));
  const Run table = Modctl({"audit"});
  EXPECT_THAT(table.out, HasSubstr("expire"));
  EXPECT_THAT(table.out, HasSubstr("removed by retention, never decided"));
  EXPECT_EQ(Modctl({"audit", "--verify"}).exit_code, 0);

  // Stats: retention apart, the moderators' decisions as they were.
  const Run json = Modctl({"stats", "--output", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto stats = FromJson<v1::GetStatsResponse>(json.out);
  EXPECT_EQ(stats.retention_erased(), 2);
  EXPECT_EQ(stats.retention_expired(), 1);
  EXPECT_EQ(stats.pending(), 1);  // `recent` only
  ASSERT_EQ(stats.moderators_size(), 2);
  EXPECT_EQ(stats.moderators(0).moderator(), "lan");
  EXPECT_EQ(stats.moderators(0).approved(), 1);
  EXPECT_EQ(stats.moderators(1).moderator(), "mai");
  EXPECT_EQ(stats.moderators(1).rejected(), 1);
  ASSERT_EQ(stats.reasons_size(), 1);
  EXPECT_EQ(stats.reasons(0).rejected(), 1);
  const Run text = Modctl({"stats"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_THAT(text.out, HasSubstr("Retention: personal data of 2 decided comments erased, 1 "
                                  "pending comment removed for their age"));

  // Metrics: what this server's sweep removed, and no entry left unwritten.
  const std::string metrics = HttpGet(metrics_port_, "/metrics");
  EXPECT_THAT(metrics, HasSubstr("moderation_retention_removed_total{what=\"personal_data\"} 2"));
  EXPECT_THAT(metrics, HasSubstr("moderation_retention_removed_total{what=\"pending\"} 1"));
  EXPECT_THAT(metrics, HasSubstr("moderation_retention_audit_failures_total{action=\"erase\"} 0"));
  EXPECT_THAT(metrics, HasSubstr("moderation_retention_audit_failures_total{action=\"expire\"} 0"));
}

}  // namespace
}  // namespace moderation::e2e
