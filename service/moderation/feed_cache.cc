#include "service/moderation/feed_cache.h"

#include <utility>

namespace moderation {
namespace {

// About what a page takes: its text, plus a fixed share per comment for the
// rest of its fields.
std::size_t BytesOf(const std::string& key, const comments::CommentPage& page) {
  constexpr std::size_t kPerComment = 256;
  std::size_t bytes = key.size() + page.next_cursor.size();
  for (const comments::Comment& comment : page.comments) {
    bytes += kPerComment + comment.name.size() + comment.title.size() + comment.body.size();
  }
  return bytes;
}

}  // namespace

FeedCache::FeedCache(const Clock& clock, Options options) : clock_(clock), options_(options) {}

bool FeedCache::Trusted() const {
  return current_.version >= 0 && clock_.Now() - version_read_ <= options_.max_version_age;
}

void FeedCache::DropAll() {
  entries_.clear();
  bytes_ = 0;
}

std::shared_ptr<const FeedPage> FeedCache::Find(const std::string& key) {
  absl::MutexLock lock(&mutex_);
  if (Trusted()) {
    if (auto it = entries_.find(key); it != entries_.end() && it->second.stamp == current_) {
      ++hits_;
      return it->second.page;
    }
  }
  ++misses_;
  return nullptr;
}

FeedCache::Stamp FeedCache::Begin() {
  absl::MutexLock lock(&mutex_);
  return current_;
}

void FeedCache::Store(const std::string& key, Stamp stamp, std::shared_ptr<const FeedPage> page) {
  // Measured twice its text: the page, and the reply rendered from it.
  const std::size_t bytes = 2 * BytesOf(key, page->page());
  absl::MutexLock lock(&mutex_);
  if (!(stamp == current_) || !Trusted()) {
    return;
  }
  if (bytes > options_.max_bytes) {
    return;
  }
  if (bytes_ + bytes > options_.max_bytes) {
    DropAll();
  }
  auto [it, inserted] = entries_.try_emplace(key);
  if (!inserted) {
    bytes_ -= it->second.bytes;
  }
  it->second = Entry{.stamp = stamp, .page = std::move(page), .bytes = bytes};
  bytes_ += bytes;
}

void FeedCache::VersionIs(int64_t version) {
  absl::MutexLock lock(&mutex_);
  version_read_ = clock_.Now();
  if (version != current_.version) {
    current_.version = version;
    DropAll();
  }
}

void FeedCache::Invalidate() {
  absl::MutexLock lock(&mutex_);
  ++current_.generation;
  DropAll();
}

uint64_t FeedCache::hits() const {
  absl::MutexLock lock(&mutex_);
  return hits_;
}

uint64_t FeedCache::misses() const {
  absl::MutexLock lock(&mutex_);
  return misses_;
}

}  // namespace moderation
