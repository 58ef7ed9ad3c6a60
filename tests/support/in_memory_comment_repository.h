#pragma once

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

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

  void ListPending(const comments::PendingFilter& filter, const std::string& after, int limit,
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
        comments::Comment comment = comments_.at(it->substr(1));
        if (!Matches(comment, filter)) {
          continue;
        }
        if (static_cast<int>(page.comments.size()) == limit) {
          const comments::Comment& last = page.comments.back();
          page.next_cursor = comments::QueuePosition(last.id, last.flagged);
          break;
        }
        if (auto claim = claims_.find(comment.id); claim != claims_.end()) {
          comment.claimed_by = claim->second.first;
        }
        page.comments.push_back(std::move(comment));
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
      ++list_approved_calls_;
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

  void ApprovedVersion(comments::Callback<int64_t> done) override {
    if (!available()) {
      std::move(done)(StorageUnavailable("fake repository down"));
      return;
    }
    int64_t version = 0;
    {
      absl::MutexLock lock(&mutex_);
      version = approved_version_;
    }
    std::move(done)(version);
  }

  // How often ListApproved was asked (what a feed cache saves).
  [[nodiscard]] int list_approved_calls() const {
    absl::MutexLock lock(&mutex_);
    return list_approved_calls_;
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
            ++approved_version_;
          }
          claims_.erase(comment_id);
          last_decision_[decision.moderator] = comment_id;
          audit_.push_back(std::move(decision.audit));
          result = comment;
        }
      }
    }
    std::move(done)(std::move(result));
  }

  void Undo(const std::string& comment_id, comments::UndoOrder order,
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
        if (comment.status == comments::CommentStatus::kPending) {
          result = comments::UndoNotAllowed("the comment is pending");
        } else if (comment.status != order.expected_status ||
                   comment.decided_by != order.moderator ||
                   last_decision_[order.moderator] != comment_id || !comment.decide_time ||
                   order.time - *comment.decide_time > order.window) {
          result = comments::UndoNotAllowed("not your last decision, or too late");
        } else {
          if (comment.status == comments::CommentStatus::kApproved) {
            approved_[comment.article_id].erase(comment_id);
            ++approved_version_;
          }
          comment.status = comments::CommentStatus::kPending;
          comment.decide_time.reset();
          comment.decided_by.clear();
          comment.rejection_reason.reset();
          comment.decision_note.clear();
          pending_.insert(comments::QueuePosition(comment_id, comment.flagged));
          last_decision_.erase(order.moderator);
          claims_[comment_id] = {order.moderator, order.session};
          audit_.push_back(std::move(order.audit));
          result = comment;
        }
      }
    }
    std::move(done)(std::move(result));
  }

  // Claims never expire here: tests release them or decide.
  void ClaimNext(comments::ClaimOrder order,
                 comments::Callback<comments::ClaimResult> done) override {
    if (!available()) {
      std::move(done)(StorageUnavailable("fake repository down"));
      return;
    }
    comments::ClaimResult result;
    {
      absl::MutexLock lock(&mutex_);
      if (auto claim = claims_.find(order.release_id);
          claim != claims_.end() && claim->second.first == order.moderator) {
        claims_.erase(claim);
      }
      result.total_pending = static_cast<int64_t>(pending_.size());
      for (const std::string& position : pending_) {
        const std::string id = position.substr(1);
        if (id == order.release_id ||
            std::find(order.exclude.begin(), order.exclude.end(), id) != order.exclude.end()) {
          continue;
        }
        auto claim = claims_.find(id);
        const std::pair<std::string, std::string> owner = {order.moderator, order.session};
        if ((claim != claims_.end() && claim->second != owner) ||
            !Matches(comments_.at(id), order.filter)) {
          continue;
        }
        claims_[id] = owner;
        result.comment = comments_.at(id);
        result.comment->claimed_by = order.moderator;
        result.expire_time = order.now + order.ttl;
        break;
      }
    }
    std::move(done)(std::move(result));
  }

  void ReleaseClaim(const std::string& comment_id, const std::string& moderator,
                    comments::Callback<bool> done) override {
    bool released = false;
    {
      absl::MutexLock lock(&mutex_);
      if (auto claim = claims_.find(comment_id);
          claim != claims_.end() && claim->second.first == moderator) {
        claims_.erase(claim);
        released = true;
      }
    }
    std::move(done)(released);
  }

  void AuthorHistory(std::vector<std::string> author_keys, const std::string& except_id,
                     comments::Callback<std::vector<comments::AuthorRecord>> done) override {
    std::vector<comments::AuthorRecord> records;
    {
      absl::MutexLock lock(&mutex_);
      for (const std::string& key : author_keys) {
        comments::AuthorRecord record;
        record.author_key = key;
        for (auto it = comments_.rbegin(); it != comments_.rend(); ++it) {
          const comments::Comment& comment = it->second;
          if (comment.id == except_id ||
              (comments::PhoneAuthorKey(comment) != key && comments::IpAuthorKey(comment) != key)) {
            continue;
          }
          ++record.other_comments;
          switch (comment.status) {
            case comments::CommentStatus::kPending:
              ++record.pending;
              break;
            case comments::CommentStatus::kApproved:
              ++record.approved;
              break;
            case comments::CommentStatus::kRejected:
              ++record.rejected;
              break;
          }
          if (record.recent.size() < 5) {
            record.recent.push_back(comment);
          }
        }
        records.push_back(std::move(record));
      }
    }
    std::move(done)(std::move(records));
  }

  void Summarize(comments::Callback<comments::QueueSummary> done) override {
    comments::QueueSummary summary;
    {
      absl::MutexLock lock(&mutex_);
      summary.pending = static_cast<int64_t>(pending_.size());
      for (const std::string& position : pending_) {
        const comments::Comment& comment = comments_.at(position.substr(1));
        summary.flagged += comment.flagged ? 1 : 0;
        if (!summary.oldest || comment.create_time < *summary.oldest) {
          summary.oldest = comment.create_time;
        }
      }
    }
    std::move(done)(summary);
  }

  // The audit events of the decisions and undos applied, in order.
  [[nodiscard]] std::vector<audit::Event> audit_events() const {
    absl::MutexLock lock(&mutex_);
    return audit_;
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
  static bool Matches(const comments::Comment& comment, const comments::PendingFilter& filter) {
    if (!filter.article_id.empty() && comment.article_id != filter.article_id) {
      return false;
    }
    if (!filter.spam_rule.empty() &&
        std::none_of(comment.spam_signals.begin(), comment.spam_signals.end(),
                     [&](const comments::SpamSignal& signal) {
                       return signal.rule == filter.spam_rule && !signal.shadow;
                     })) {
      return false;
    }
    if (filter.min_spam_score && comment.spam_score < *filter.min_spam_score) {
      return false;
    }
    if (filter.created_at_or_before && comment.create_time > *filter.created_at_or_before) {
      return false;
    }
    if (filter.created_at_or_after && comment.create_time < *filter.created_at_or_after) {
      return false;
    }
    if (!filter.author_key.empty() && comments::PhoneAuthorKey(comment) != filter.author_key &&
        comments::IpAuthorKey(comment) != filter.author_key) {
      return false;
    }
    if (!filter.client_network.empty() && comment.client_network != filter.client_network) {
      return false;
    }
    return !filter.flagged_only || comment.flagged;
  }

  mutable absl::Mutex mutex_;
  std::map<std::string, comments::Comment> comments_ ABSL_GUARDED_BY(mutex_);
  std::set<std::string> pending_ ABSL_GUARDED_BY(mutex_);
  std::map<std::string, std::set<std::string>> approved_ ABSL_GUARDED_BY(mutex_);
  int64_t approved_version_ ABSL_GUARDED_BY(mutex_) = 0;
  int list_approved_calls_ ABSL_GUARDED_BY(mutex_) = 0;
  std::map<std::string, comments::PriorSubmission> idempotency_ ABSL_GUARDED_BY(mutex_);
  // comment id -> (moderator, session)
  std::map<std::string, std::pair<std::string, std::string>> claims_ ABSL_GUARDED_BY(mutex_);
  std::map<std::string, std::string> last_decision_ ABSL_GUARDED_BY(mutex_);
  std::vector<audit::Event> audit_ ABSL_GUARDED_BY(mutex_);
  bool available_ ABSL_GUARDED_BY(mutex_) = true;
};

}  // namespace moderation::testing
