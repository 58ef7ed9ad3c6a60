#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "service/audit/audit_entry.h"

namespace moderation::audit {

template <typename T>
using Callback = absl::AnyInvocable<void(absl::StatusOr<T>) &&>;

struct Query {
  std::string actor;  // empty: everyone
  std::optional<absl::Time> start;
  std::optional<absl::Time> end;  // exclusive
  int limit = 20;
  std::string after;  // a page token: continue after this entry (newest first)
};

struct Page {
  std::vector<Entry> entries;  // newest first
  std::string next_page_token;
};

struct Verification {
  int64_t checked = 0;
  std::optional<Break> first_break;  // none: intact
  int64_t head_sequence = 0;
};

struct Recent {
  std::vector<Entry> entries;  // in log order
  bool partial = false;        // more entries fell in the period than were read
};

// Where the audit log lives. Every method is asynchronous (callbacks may run
// on another thread, or inline), thread-safe, and answers UNAVAILABLE when
// the store is unreachable.
class AuditLog {
 public:
  virtual ~AuditLog() = default;

  // Seals `event` into the next entry and appends it; returns the entry.
  virtual void Append(Event event, Callback<Entry> done) = 0;

  // Entries matching `query`, newest first. INVALID_ARGUMENT for a
  // malformed page token.
  virtual void List(Query query, Callback<Page> done) = 0;

  // Every entry about one comment, oldest first.
  virtual void ForComment(const std::string& comment_id, Callback<std::vector<Entry>> done) = 0;

  // Checks the whole chain, first entry to head.
  virtual void Verify(Callback<Verification> done) = 0;

  // The entries since `start`, in log order: the most recent `max_entries`
  // of them when there are more.
  virtual void Since(absl::Time start, int max_entries, Callback<Recent> done) = 0;
};

}  // namespace moderation::audit
