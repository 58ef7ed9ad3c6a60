#include "service/retention/retention_audit.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "tests/support/fake_clock.h"
#include "tests/support/in_memory_audit_log.h"

namespace moderation::retention {
namespace {

std::vector<audit::Entry> Everything(testing::InMemoryAuditLog& log) {
  std::vector<audit::Entry> entries;
  log.Since(absl::InfinitePast(), 1000, [&](absl::StatusOr<audit::Recent> recent) {
    ASSERT_TRUE(recent.ok()) << recent.status();
    entries = recent->entries;
  });
  return entries;
}

SweepStep Step(std::vector<std::string> erased, std::vector<std::string> expired) {
  SweepStep step;
  step.erased_ids = std::move(erased);
  step.expired_ids = std::move(expired);
  step.counts = {.examined = 10,
                 .erased = static_cast<int64_t>(step.erased_ids.size()),
                 .expired = static_cast<int64_t>(step.expired_ids.size())};
  return step;
}

// Answers every append from a thread of its own, as the Redis log does from
// its event loop.
class ThreadedAuditLog final : public audit::AuditLog {
 public:
  ~ThreadedAuditLog() override {
    for (std::thread& thread : threads_) {
      thread.join();
    }
  }
  void Append(audit::Event event, audit::Callback<audit::Entry> done) override {
    threads_.emplace_back([this, event = std::move(event), done = std::move(done)]() mutable {
      inner.Append(std::move(event), std::move(done));
    });
  }
  void List(audit::Query query, audit::Callback<audit::Page> done) override {
    inner.List(std::move(query), std::move(done));
  }
  void ForComment(const std::string& id, audit::Callback<std::vector<audit::Entry>> done) override {
    inner.ForComment(id, std::move(done));
  }
  void Verify(audit::Callback<audit::Verification> done) override { inner.Verify(std::move(done)); }
  void Since(absl::Time start, int max_entries, audit::Callback<audit::Recent> done) override {
    inner.Since(start, max_entries, std::move(done));
  }

  testing::InMemoryAuditLog inner;

 private:
  std::vector<std::thread> threads_;  // only the test's thread appends
};

TEST(RetentionAuditorTest, WritesOneEntryPerCommentByRetentionWithTheRule) {
  testing::InMemoryAuditLog log;
  testing::FakeClock clock;
  RetentionAuditor auditor(log, clock, absl::Hours(24) * 90, absl::Hours(24) * 30);
  EXPECT_EQ(auditor.Record(Step({"c1", "c2"}, {"c3"})), 3);

  const std::vector<audit::Entry> entries = Everything(log);
  ASSERT_EQ(entries.size(), 3u);
  const std::vector<std::pair<audit::Action, std::string>> expected = {
      {audit::Action::kErase, "c1"}, {audit::Action::kErase, "c2"}, {audit::Action::kExpire, "c3"}};
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const audit::Event& event = entries[i].event;
    EXPECT_EQ(event.action, expected[i].first);
    EXPECT_EQ(event.comment_id, expected[i].second);
    EXPECT_EQ(event.actor, audit::kRetentionActor);
    EXPECT_EQ(event.time, clock.Now());
    EXPECT_FALSE(event.flagged);
  }
  EXPECT_EQ(entries[0].event.note,
            "personal data kept 90 days after the decision (retention.personal_data_days)");
  EXPECT_EQ(entries[2].event.note, "pending longer than 30 days (retention.pending_max_age_days)");
}

TEST(RetentionAuditorTest, AStepThatChangedNothingWritesNothing) {
  testing::InMemoryAuditLog log;
  testing::FakeClock clock;
  RetentionAuditor auditor(log, clock, absl::Hours(24), absl::Hours(24));
  EXPECT_EQ(auditor.Record(Step({}, {})), 0);
  EXPECT_TRUE(Everything(log).empty());
}

TEST(RetentionAuditorTest, ReturnsOnlyOnceEveryAppendIsAnswered) {
  ThreadedAuditLog log;
  testing::FakeClock clock;
  RetentionAuditor auditor(log, clock, absl::Hours(24), absl::Hours(24));
  EXPECT_EQ(auditor.Record(Step({"c1", "c2", "c3"}, {"c4", "c5"})), 5);
  EXPECT_EQ(Everything(log.inner).size(), 5u);
}

TEST(RetentionAuditorTest, CountsEveryEntryThatCannotBeWritten) {
  testing::InMemoryAuditLog log;
  log.set_available(false);
  testing::FakeClock clock;
  absl::Mutex mutex;
  std::vector<audit::Action> failed;
  RetentionAuditor auditor(log, clock, absl::Hours(24), absl::Hours(24), [&](audit::Action action) {
    absl::MutexLock lock(&mutex);
    failed.push_back(action);
  });
  EXPECT_EQ(auditor.Record(Step({"c1"}, {"c2", "c3"})), 0);
  EXPECT_EQ(failed, (std::vector<audit::Action>{audit::Action::kErase, audit::Action::kExpire,
                                                audit::Action::kExpire}));
}

TEST(RetentionAuditorTest, NotesSayTheAgeInDaysOrAsADuration) {
  EXPECT_EQ(EraseNote(absl::Hours(24)),
            "personal data kept 1 day after the decision (retention.personal_data_days)");
  EXPECT_EQ(ExpireNote(absl::Hours(36)),
            "pending longer than 36h (retention.pending_max_age_days)");
}

}  // namespace
}  // namespace moderation::retention
