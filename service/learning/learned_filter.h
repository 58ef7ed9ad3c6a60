#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "service/classifier/spam_classifier.h"
#include "service/moderation/moderation_desk.h"
#include "service/spam/spam_scorer.h"
#include "service/storage/redis/redis_client.h"

namespace moderation::learning {

struct LearningOptions {
  // How often the stream of lessons is read; also how long a decision takes
  // to reach the filter of every replica, this one included.
  absl::Duration poll_interval = absl::Milliseconds(500);
  // A snapshot of the model is written after this many lessons, so that a
  // starting replica replays few of them.
  int snapshot_every = 1000;
  // Lessons older than the snapshot by more than this are trimmed from the
  // stream. A replica cut off from Redis for longer reloads the snapshot.
  absl::Duration stream_retention = absl::Hours(1);
};

// The learned spam filter, kept identical on every replica. A moderator's
// decision becomes a lesson (the comment's features and its label: approved
// teaches ham; rejected as spam or advertising teaches spam) appended to a
// Redis stream; every replica, this one included, applies the stream in
// order to the same starting model, so all of them hold the same model. A
// snapshot in Redis (model and the last lesson in it) is the starting model
// for replicas that start later; without one, the model file (or an
// untrained model) is. Thread-safe.
class LearnedFilter final : public spam::SpamModel, public DecisionListener {
 public:
  LearnedFilter(redis::RedisClient& redis, classifier::SpamClassifier initial,
                LearningOptions options);
  ~LearnedFilter() override;

  // Loads the snapshot if there is one, catches up with the stream, and
  // starts following it. UNAVAILABLE if Redis cannot be read in `timeout`.
  absl::Status Start(absl::Duration timeout);
  void Stop();

  [[nodiscard]] double SpamProbability(absl::string_view text) const override;
  void OnDecided(const comments::Comment& decided) override;

  // Lessons applied so far (for tests and metrics).
  [[nodiscard]] int64_t lessons_applied() const { return lessons_applied_.load(); }
  // Times this replica found that lessons it had not applied were already
  // trimmed from the stream (it was cut off for longer than the retention) and
  // took the snapshot instead.
  [[nodiscard]] int64_t snapshot_reloads() const { return snapshot_reloads_.load(); }

 private:
  // Takes the snapshot in Redis, if any and newer than what this replica
  // has applied (or `at_start`, if any at all).
  absl::Status LoadSnapshot(absl::Duration timeout, bool at_start);
  // True when the oldest lesson left in the stream comes after the next one
  // this replica needs: the ones between were trimmed.
  absl::StatusOr<bool> FellBehindRetention(absl::Duration timeout);
  [[nodiscard]] std::shared_ptr<classifier::SpamClassifier> Model() const;
  // Reads and applies what the stream holds after `last_id_`; returns how
  // many lessons were applied, or an error.
  absl::StatusOr<int> CatchUp(absl::Duration timeout);
  void Follow();
  void WriteSnapshot();

  redis::RedisClient& redis_;
  const LearningOptions options_;
  // The classifier's own locking lets scoring run while a lesson is applied;
  // the pointer changes only when a snapshot is taken.
  mutable absl::Mutex model_mutex_;
  std::shared_ptr<classifier::SpamClassifier> classifier_ ABSL_GUARDED_BY(model_mutex_);
  absl::Mutex mutex_;  // one reader of the stream at a time
  std::string last_id_ ABSL_GUARDED_BY(mutex_) = "0-0";
  int since_snapshot_ ABSL_GUARDED_BY(mutex_) = 0;
  std::atomic<int64_t> lessons_applied_{0};
  std::atomic<int64_t> snapshot_reloads_{0};
  absl::Notification stop_;
  std::thread follower_;
};

// The lesson a decision teaches, if any: true for spam, false for ham.
[[nodiscard]] std::optional<bool> LessonOf(const comments::Comment& decided);

}  // namespace moderation::learning
