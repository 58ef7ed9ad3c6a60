#include "service/moderation/audit_desk.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "service/common/errors.h"
#include "tests/support/await.h"
#include "tests/support/fake_clock.h"
#include "tests/support/in_memory_audit_log.h"
#include "tests/support/in_memory_comment_repository.h"

namespace moderation {
namespace {

constexpr char kComment[] = "01JD0000000000000000000001";
constexpr char kOtherComment[] = "01JD0000000000000000000002";

class AuditDeskTest : public ::testing::Test {
 protected:
  void Record(audit::Action action, const std::string& actor, const std::string& comment_id,
              bool flagged = false) {
    audit::Event event;
    event.action = action;
    event.actor = actor;
    event.time = clock_.Now();
    event.comment_id = comment_id;
    event.flagged = flagged;
    ASSERT_TRUE(testing::Await<absl::StatusOr<audit::Entry>>([&](auto done) {
                  log_.Append(event, done);
                })->ok());
  }

  absl::StatusOr<audit::Page> List(const AuditFilter& filter, int page_size = 0,
                                   const std::string& token = "") {
    return *testing::Await<absl::StatusOr<audit::Page>>(
        [&](auto done) { desk_.List(filter, page_size, token, done); });
  }

  absl::StatusOr<Figures> Stats(absl::Duration period) {
    return *testing::Await<absl::StatusOr<Figures>>([&](auto done) { desk_.Stats(period, done); });
  }

  testing::FakeClock clock_;
  testing::InMemoryAuditLog log_;
  testing::InMemoryCommentRepository comments_;
  AuditDesk desk_{log_, comments_, clock_,
                  PagingLimits{.default_page_size = 2, .max_page_size = 5}};
};

TEST_F(AuditDeskTest, NamesEveryBadFieldOfAListingAtOnce) {
  AuditFilter filter;
  filter.comment_id = "not an id";
  filter.moderator = "lan; DROP";
  filter.start = clock_.Now();
  filter.end = clock_.Now() - absl::Hours(1);
  absl::StatusOr<audit::Page> page = List(filter, 6);
  ASSERT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument);
  std::set<std::string> fields;
  for (const FieldViolation& violation : FieldViolationsOf(page.status())) {
    fields.insert(violation.field);
    EXPECT_FALSE(violation.message.empty()) << violation.field;
  }
  EXPECT_EQ(fields, (std::set<std::string>{"comment_id", "moderator", "page_size", "end_time"}));
}

TEST_F(AuditDeskTest, ListsNewestFirstInPagesOfTheDefaultSize) {
  Record(audit::Action::kApprove, "lan", kComment);
  clock_.Advance(absl::Minutes(1));
  Record(audit::Action::kReject, "mai", kOtherComment);
  clock_.Advance(absl::Minutes(1));
  Record(audit::Action::kUndo, "mai", kOtherComment);

  absl::StatusOr<audit::Page> first = List({});
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->entries.size(), 2u);
  EXPECT_EQ(first->entries[0].event.action, audit::Action::kUndo);
  EXPECT_EQ(first->entries[1].event.action, audit::Action::kReject);
  ASSERT_FALSE(first->next_page_token.empty());

  absl::StatusOr<audit::Page> second = List({}, 0, first->next_page_token);
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_EQ(second->entries.size(), 1u);
  EXPECT_EQ(second->entries[0].event.actor, "lan");
}

TEST_F(AuditDeskTest, OneCommentsTrailIsWholeOldestFirstAndNarrowedByModerator) {
  Record(audit::Action::kReject, "mai", kComment);
  Record(audit::Action::kApprove, "lan", kOtherComment);
  Record(audit::Action::kUndo, "mai", kComment);
  Record(audit::Action::kApprove, "lan", kComment);

  AuditFilter filter;
  filter.comment_id = kComment;
  // Larger than a page: a comment's trail is never cut.
  absl::StatusOr<audit::Page> trail = List(filter, 1);
  ASSERT_TRUE(trail.ok()) << trail.status();
  ASSERT_EQ(trail->entries.size(), 3u);
  EXPECT_EQ(trail->entries[0].event.action, audit::Action::kReject);
  EXPECT_EQ(trail->entries[2].event.action, audit::Action::kApprove);

  filter.moderator = "mai";
  absl::StatusOr<audit::Page> mine = List(filter);
  ASSERT_TRUE(mine.ok()) << mine.status();
  ASSERT_EQ(mine->entries.size(), 2u);
  EXPECT_EQ(mine->entries[1].event.action, audit::Action::kUndo);
}

TEST_F(AuditDeskTest, FiguresCoverADayByDefaultAndAtMostAMonth) {
  Record(audit::Action::kApprove, "lan", kComment);
  clock_.Advance(absl::Hours(30));
  Record(audit::Action::kReject, "lan", kOtherComment, /*flagged=*/true);

  absl::StatusOr<Figures> day = Stats(absl::ZeroDuration());
  ASSERT_TRUE(day.ok()) << day.status();
  EXPECT_EQ(day->period_end - day->period_start, absl::Hours(24));
  EXPECT_EQ(day->decisions.moderators["lan"].approved, 0);
  EXPECT_EQ(day->decisions.moderators["lan"].rejected, 1);
  EXPECT_EQ(day->decisions.flagged_rejected, 1);
  EXPECT_FALSE(day->partial);

  absl::StatusOr<Figures> two_days = Stats(absl::Hours(48));
  ASSERT_TRUE(two_days.ok()) << two_days.status();
  EXPECT_EQ(two_days->decisions.moderators["lan"].approved, 1);

  absl::StatusOr<Figures> too_long = Stats(absl::Hours(24 * 32));
  ASSERT_EQ(too_long.status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_EQ(FieldViolationsOf(too_long.status()).size(), 1u);
  EXPECT_EQ(FieldViolationsOf(too_long.status())[0].field, "period");
}

TEST_F(AuditDeskTest, RetentionsEntriesAreListedApartAndCountedInTheFigures) {
  const std::string retention(audit::kRetentionActor);
  Record(audit::Action::kApprove, "lan", kComment);
  Record(audit::Action::kErase, retention, kComment);
  Record(audit::Action::kExpire, retention, kOtherComment);

  AuditFilter filter;
  filter.moderator = retention;
  absl::StatusOr<audit::Page> page = List(filter, 5);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->entries.size(), 2u);
  EXPECT_EQ(page->entries[0].event.action, audit::Action::kExpire);
  EXPECT_EQ(page->entries[1].event.action, audit::Action::kErase);

  absl::StatusOr<Figures> day = Stats(absl::ZeroDuration());
  ASSERT_TRUE(day.ok()) << day.status();
  EXPECT_EQ(day->decisions.retention_erased, 1);
  EXPECT_EQ(day->decisions.retention_expired, 1);
  EXPECT_EQ(day->decisions.moderators.size(), 1u);
  EXPECT_EQ(day->decisions.moderators["lan"].approved, 1);
}

TEST_F(AuditDeskTest, AnUnreachableLogIsUnavailableNotAnEmptyAnswer) {
  Record(audit::Action::kApprove, "lan", kComment);
  log_.set_available(false);
  EXPECT_EQ(List({}).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Stats(absl::Hours(1)).status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace moderation
