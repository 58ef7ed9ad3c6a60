#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

// The audit log records who did what to which comment or ban, and when. Each
// entry carries an HMAC over its fields and over the previous entry's HMAC,
// under a key the store never sees: whoever can write to the store can
// append nothing that verifies, and cannot alter, remove or reorder entries
// without breaking the chain from there on.
namespace moderation::audit {

// kErase and kExpire are retention's: the personal data of a decided
// comment erased, a pending comment removed for its age.
enum class Action { kApprove, kReject, kUndo, kBan, kUnban, kErase, kExpire };

// The actor of retention's entries. No principal can have this name (token
// names are [A-Za-z0-9._@-], and ':' separates the fields of a tokens file),
// so an entry with it was written by the service itself.
inline constexpr absl::string_view kRetentionActor = "system:retention";

[[nodiscard]] absl::string_view ActionName(Action action);  // "approve", ...
[[nodiscard]] std::optional<Action> ParseAction(absl::string_view name);

// What happened, as the desks describe it. Unused fields stay empty.
struct Event {
  Action action = Action::kApprove;
  std::string actor;  // the moderator's name, or kRetentionActor
  absl::Time time;
  std::string comment_id;
  std::string rejection_reason;  // comments::ReasonName of a rejection
  std::optional<Action> undone;  // for kUndo: the decision taken back
  std::string note;              // the moderator's note; for retention, the rule applied
  std::string ban_id;
  std::string ban_target;  // as moderators see it, never in clear
  std::string ban_reason;
  bool flagged = false;  // for decisions and undos: the spam rules' flag
};

// An event in the chain.
struct Entry {
  Event event;
  int64_t sequence = 0;  // 1 for the first entry
  std::string prev_mac;  // hex; empty for the first entry
  std::string mac;       // hex
  std::string entry_id;  // where the store keeps it (a Redis stream id); not covered by the MAC
};

// The last entry's sequence and MAC: what the next entry chains to.
struct ChainHead {
  int64_t sequence = 0;
  std::string mac;  // hex; empty before the first entry

  friend bool operator==(const ChainHead&, const ChainHead&) = default;
};

// "<sequence> <mac>", as stored; and back (nullopt when malformed; an
// absent head is the empty chain, ChainHead{}).
[[nodiscard]] std::string EncodeHead(const ChainHead& head);
[[nodiscard]] std::optional<ChainHead> DecodeHead(absl::string_view text);

// The entry's HMAC-SHA-256 under `key`, hex: over a versioned, length-
// prefixed encoding of every field of the event, the sequence and the
// previous MAC, so that no two entries encode alike.
[[nodiscard]] std::string EntryMac(absl::string_view key, const Entry& entry);

// Seals events into entries that follow the last head this process has
// seen. Appending is compare-and-set on the head: when another replica
// appended first, the store reports the head it holds, Reset takes it, and
// the caller seals again. Thread-safe.
class AuditChain {
 public:
  explicit AuditChain(std::string key) : key_(std::move(key)) {}

  // `event` as the entry that would follow the head last seen.
  [[nodiscard]] Entry Seal(Event event) const;
  // The store accepted `entry`: it is the head now (unless a later one was seen).
  void Appended(const Entry& entry);
  // The store holds `head`: seal the next entries after it.
  void Reset(ChainHead head);

  [[nodiscard]] const std::string& key() const { return key_; }

  // One append at a time per process: appends that raced each other would
  // all be sealed against the same head, and all but one sent again. Runs
  // `go` now if no append is under way, else when the ones before it Leave.
  void Enter(absl::AnyInvocable<void() &&> go);
  // The append under way is over (written or failed).
  void Leave();

 private:
  const std::string key_;
  mutable absl::Mutex mutex_;
  ChainHead head_ ABSL_GUARDED_BY(mutex_);
  bool busy_ ABSL_GUARDED_BY(mutex_) = false;
  std::deque<absl::AnyInvocable<void() &&>> waiting_ ABSL_GUARDED_BY(mutex_);
};

// How the chain breaks at an entry.
enum class Problem { kAltered, kSequenceGap, kBrokenLink, kMalformed, kHeadMismatch };

struct Break {
  std::string entry_id;
  int64_t sequence = 0;
  Problem problem = Problem::kAltered;
};

// Checks entries fed in log order, remembering the first break. Not
// thread-safe.
class ChainVerifier {
 public:
  explicit ChainVerifier(std::string key) : key_(std::move(key)) {}

  // Checks the next entry. A malformed one is passed with `malformed` set.
  void Feed(const Entry& entry, bool malformed = false);
  // Checks the stored head against the last entry fed; call once, at the end.
  void Finish(const ChainHead& stored_head);

  [[nodiscard]] const std::optional<Break>& first_break() const { return first_break_; }
  [[nodiscard]] int64_t checked() const { return checked_; }

 private:
  void Record(absl::string_view entry_id, int64_t sequence, Problem problem);

  const std::string key_;
  ChainHead last_;
  std::string last_entry_id_;
  int64_t checked_ = 0;
  std::optional<Break> first_break_;
};

}  // namespace moderation::audit
