#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/call_once.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "service/comments/comment.h"
#include "service/common/clock.h"

namespace moderation {

// A page of the public feed as served: shared, unchanged, by every reader of
// it while it is current. It keeps one representation of itself, made once
// (the API's serialised reply), so that a cached page costs no conversion.
class FeedPage {
 public:
  explicit FeedPage(comments::CommentPage page) : page_(std::move(page)) {}

  [[nodiscard]] const comments::CommentPage& page() const { return page_; }

  // `render(page())` the first time it is asked; the same bytes after.
  // Thread-safe. Every caller must render the same way.
  [[nodiscard]] const std::string& Rendered(
      absl::FunctionRef<std::string(const comments::CommentPage&)> render) const {
    absl::call_once(rendered_once_, [&] { rendered_ = render(page_); });
    return rendered_;
  }

 private:
  const comments::CommentPage page_;
  mutable absl::once_flag rendered_once_;
  mutable std::string rendered_;
};

// Pages of the public feed kept in this process, so that the article pages
// readers load over and over are answered without Redis.
//
// Correct across replicas: every change to an approved list raises a shared
// version in storage (see CommentRepository::ApprovedVersion), which each
// replica reads every few hundred milliseconds (VersionIs); a page is served
// from here only while the version it was read under is still the latest, and
// only while that version was read recently (a replica that cannot reach
// storage stops trusting what it holds). Decisions taken on this replica
// invalidate at once (Invalidate), so a moderator sees their own approval
// immediately; on other replicas it shows within one refresh interval.
// Thread-safe.
class FeedCache {
 public:
  struct Options {
    // What the cached pages may hold, in bytes of comment text (about what
    // they take); past it the cache starts again empty.
    std::size_t max_bytes = 32u << 20;
    // A version read longer ago than this is no longer trusted: pages are
    // then read from storage until a refresh succeeds again.
    absl::Duration max_version_age = absl::Seconds(2);
  };

  // What storage looked like when a read began: a page read under it may be
  // kept only if nothing changed before it is stored.
  struct Stamp {
    int64_t version = -1;
    uint64_t generation = 0;
    friend bool operator==(const Stamp&, const Stamp&) = default;
  };

  FeedCache(const Clock& clock, Options options);

  // The page cached under `key` if it is still current, else null.
  [[nodiscard]] std::shared_ptr<const FeedPage> Find(const std::string& key);

  // To take before reading a page from storage, and give to Store with it.
  [[nodiscard]] Stamp Begin();
  // Keeps `page` under `key` unless something changed since `stamp`.
  void Store(const std::string& key, Stamp stamp, std::shared_ptr<const FeedPage> page);

  // The shared version, as just read from storage.
  void VersionIs(int64_t version);
  // A decision on this replica: nothing cached is current any more.
  void Invalidate();

  // For the metrics and tests.
  [[nodiscard]] uint64_t hits() const;
  [[nodiscard]] uint64_t misses() const;

 private:
  struct Entry {
    Stamp stamp;
    std::shared_ptr<const FeedPage> page;
    std::size_t bytes = 0;
  };
  [[nodiscard]] bool Trusted() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void DropAll() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  const Clock& clock_;
  const Options options_;
  mutable absl::Mutex mutex_;
  Stamp current_ ABSL_GUARDED_BY(mutex_);
  absl::Time version_read_ ABSL_GUARDED_BY(mutex_) = absl::InfinitePast();
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mutex_);
  std::size_t bytes_ ABSL_GUARDED_BY(mutex_) = 0;
  uint64_t hits_ ABSL_GUARDED_BY(mutex_) = 0;
  uint64_t misses_ ABSL_GUARDED_BY(mutex_) = 0;
};

}  // namespace moderation
