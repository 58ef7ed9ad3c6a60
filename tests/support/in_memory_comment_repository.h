#pragma once

#include <map>
#include <set>
#include <string>

#include "absl/synchronization/mutex.h"
#include "service/comments/comment_repository.h"
#include "service/common/errors.h"

namespace moderation::testing {

// CommentRepository in maps, with the same contract as the Redis one.
// `set_available(false)` makes it answer as unreachable storage would.
class InMemoryCommentRepository final : public comments::CommentRepository {
 public:
  void Enqueue(comments::Comment comment, std::optional<comments::IdempotencyRecord> idempotency,
               comments::Callback<comments::EnqueueResult> done) override {
    if (!available()) {
      std::move(done)(StorageUnavailable("fake repository down"));
      return;
    }
    comments::EnqueueResult result;
    {
      absl::MutexLock lock(&mutex_);
      if (idempotency) {
        if (auto it = idempotency_.find(idempotency->key_digest); it != idempotency_.end()) {
          result.comment_id = it->second.comment_id;
          result.prior = it->second;
        }
      }
      if (!result.prior) {
        result.comment_id = comment.id;
        if (idempotency) {
          idempotency_[idempotency->key_digest] = {comment.id, idempotency->fingerprint};
        }
        pending_.insert(comments::QueuePosition(comment.id, comment.flagged));
        comments_[comment.id] = std::move(comment);
      }
    }
    std::move(done)(std::move(result));
  }

  void FindPrior(const std::string& key_digest,
                 comments::Callback<std::optional<comments::PriorSubmission>> done) override {
    if (!available()) {
      std::move(done)(StorageUnavailable("fake repository down"));
      return;
    }
    std::optional<comments::PriorSubmission> prior;
    {
      absl::MutexLock lock(&mutex_);
      if (auto it = idempotency_.find(key_digest); it != idempotency_.end()) {
        prior = it->second;
      }
    }
    std::move(done)(std::move(prior));
  }

  void Get(const std::string& comment_id, comments::Callback<comments::Comment> done) override {
    if (!available()) {
      std::move(done)(StorageUnavailable("fake repository down"));
      return;
    }
    absl::StatusOr<comments::Comment> result = comments::CommentNotFound(comment_id);
    {
      absl::MutexLock lock(&mutex_);
      if (auto it = comments_.find(comment_id); it != comments_.end()) {
        result = it->second;
      }
    }
    std::move(done)(std::move(result));
  }

  void ListPending(const std::string& after, int limit,
                   comments::Callback<comments::CommentPage> done) override {
    if (!available()) {
      std::move(done)(StorageUnavailable("fake repository down"));
      return;
    }
    comments::CommentPage page;
    {
      absl::MutexLock lock(&mutex_);
      page.total = static_cast<int64_t>(pending_.size());
      auto it = after.empty() ? pending_.begin() : pending_.upper_bound(after);
      for (; it != pending_.end(); ++it) {
        if (static_cast<int>(page.comments.size()) == limit) {
          const comments::Comment& last = page.comments.back();
          page.next_cursor = comments::QueuePosition(last.id, last.flagged);
          break;
        }
        page.comments.push_back(comments_.at(it->substr(1)));
      }
    }
    std::move(done)(std::move(page));
  }

  void ListApproved(const std::string& article_id, const std::string& after_id, int limit,
                    comments::Callback<comments::CommentPage> done) override {
    if (!available()) {
      std::move(done)(StorageUnavailable("fake repository down"));
      return;
    }
    comments::CommentPage page;
    {
      absl::MutexLock lock(&mutex_);
      const std::set<std::string>& approved = approved_[article_id];
      page.total = static_cast<int64_t>(approved.size());
      for (auto it = approved.rbegin(); it != approved.rend(); ++it) {
        if (!after_id.empty() && *it >= after_id) {
          continue;
        }
        if (static_cast<int>(page.comments.size()) == limit) {
          page.next_cursor = page.comments.back().id;
          break;
        }
        page.comments.push_back(comments_.at(*it));
      }
    }
    std::move(done)(std::move(page));
  }

  void Decide(const std::string& comment_id, comments::Decision decision,
              comments::Callback<comments::Comment> done) override {
    if (!available()) {
      std::move(done)(StorageUnavailable("fake repository down"));
      return;
    }
    absl::StatusOr<comments::Comment> result = comments::CommentNotFound(comment_id);
    {
      absl::MutexLock lock(&mutex_);
      if (auto it = comments_.find(comment_id); it != comments_.end()) {
        comments::Comment& comment = it->second;
        if (comment.status != comments::CommentStatus::kPending) {
          result = comments::CommentNotPending(comment.status);
        } else {
          comment.status = decision.status;
          comment.decide_time = decision.time;
          comment.decided_by = decision.moderator;
          comment.rejection_reason = decision.rejection_reason;
          comment.decision_note = decision.note;
          pending_.erase(comments::QueuePosition(comment_id, comment.flagged));
          if (decision.status == comments::CommentStatus::kApproved) {
            approved_[comment.article_id].insert(comment_id);
          }
          result = comment;
        }
      }
    }
    std::move(done)(std::move(result));
  }

  void set_available(bool available) {
    absl::MutexLock lock(&mutex_);
    available_ = available;
  }
  [[nodiscard]] bool available() const {
    absl::MutexLock lock(&mutex_);
    return available_;
  }
  [[nodiscard]] std::size_t size() const {
    absl::MutexLock lock(&mutex_);
    return comments_.size();
  }

 private:
  mutable absl::Mutex mutex_;
  std::map<std::string, comments::Comment> comments_ ABSL_GUARDED_BY(mutex_);
  std::set<std::string> pending_ ABSL_GUARDED_BY(mutex_);
  std::map<std::string, std::set<std::string>> approved_ ABSL_GUARDED_BY(mutex_);
  std::map<std::string, comments::PriorSubmission> idempotency_ ABSL_GUARDED_BY(mutex_);
  bool available_ ABSL_GUARDED_BY(mutex_) = true;
};

}  // namespace moderation::testing
