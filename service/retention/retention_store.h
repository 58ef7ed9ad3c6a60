#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace moderation::retention {

// What one step of a sweep did.
struct SweepCounts {
  int64_t examined = 0;  // comments looked at
  int64_t erased = 0;    // decided comments whose personal data was erased
  int64_t expired = 0;   // pending comments removed for their age

  SweepCounts& operator+=(const SweepCounts& other) {
    examined += other.examined;
    erased += other.erased;
    expired += other.expired;
    return *this;
  }
};

// Which comments a step acts on. absl::InfinitePast() turns a rule off.
struct SweepCutoffs {
  // Decided before this: the sealed phone, the keyed hashes of phone and
  // address and the user agent are erased, and the comment leaves its
  // authors' histories. Text, status and the /24 or /48 network stay.
  absl::Time erase_decided_before = absl::InfinitePast();
  // Created before this and still pending: the comment is removed.
  absl::Time expire_pending_before = absl::InfinitePast();
};

// The comments a step changed, by id, so that each can be audited; the
// counts' `erased` and `expired` are the sizes of the two lists.
struct SweepStep {
  SweepCounts counts;
  std::vector<std::string> erased_ids;   // decided, personal data erased
  std::vector<std::string> expired_ids;  // pending, removed for their age
  std::string next_cursor;               // "0" once the sweep has gone round
};

// Where the comments are, as retention needs them: walked in small steps, each
// step applying the cutoffs atomically per comment. Blocking: for a
// background thread, never a request thread.
class RetentionStore {
 public:
  virtual ~RetentionStore() = default;

  // About `count` comments from `cursor` ("0" to start). UNAVAILABLE when the
  // store cannot be reached.
  [[nodiscard]] virtual absl::StatusOr<SweepStep> Sweep(absl::string_view cursor, int count,
                                                        const SweepCutoffs& cutoffs) = 0;
};

}  // namespace moderation::retention
