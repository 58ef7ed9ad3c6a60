#include "service/audit/audit_entry.h"

#include <array>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "service/crypto/crypto.h"

namespace moderation::audit {
namespace {

constexpr std::array<std::pair<absl::string_view, Action>, 7> kActions = {{
    {"approve", Action::kApprove},
    {"reject", Action::kReject},
    {"undo", Action::kUndo},
    {"ban", Action::kBan},
    {"unban", Action::kUnban},
    {"erase", Action::kErase},
    {"expire", Action::kExpire},
}};

// Bumped whenever the encoding changes, so that old entries keep verifying
// under the rules they were written with.
constexpr absl::string_view kEncodingVersion = "moderation-audit-v1";

void AppendField(std::string& out, absl::string_view value) {
  absl::StrAppend(&out, value.size(), ":", value, ";");
}

}  // namespace

absl::string_view ActionName(Action action) {
  for (const auto& [name, known] : kActions) {
    if (known == action) {
      return name;
    }
  }
  return "unknown";
}

std::optional<Action> ParseAction(absl::string_view name) {
  for (const auto& [known, action] : kActions) {
    if (known == name) {
      return action;
    }
  }
  return std::nullopt;
}

std::string EncodeHead(const ChainHead& head) { return absl::StrCat(head.sequence, " ", head.mac); }

std::optional<ChainHead> DecodeHead(absl::string_view text) {
  const std::size_t space = text.find(' ');
  ChainHead head;
  if (space == absl::string_view::npos ||
      !absl::SimpleAtoi(text.substr(0, space), &head.sequence) || head.sequence < 0) {
    return std::nullopt;
  }
  head.mac = std::string(text.substr(space + 1));
  return head;
}

std::string EntryMac(absl::string_view key, const Entry& entry) {
  const Event& e = entry.event;
  std::string encoded(kEncodingVersion);
  encoded.push_back('\n');
  AppendField(encoded, absl::StrCat(entry.sequence));
  AppendField(encoded, absl::StrCat(absl::ToUnixMillis(e.time)));
  AppendField(encoded, e.actor);
  AppendField(encoded, ActionName(e.action));
  AppendField(encoded, e.comment_id);
  AppendField(encoded, e.rejection_reason);
  AppendField(encoded, e.undone ? ActionName(*e.undone) : "");
  AppendField(encoded, e.note);
  AppendField(encoded, e.ban_id);
  AppendField(encoded, e.ban_target);
  AppendField(encoded, e.ban_reason);
  AppendField(encoded, e.flagged ? "1" : "0");
  AppendField(encoded, entry.prev_mac);
  return crypto::HexEncode(crypto::HmacSha256(key, encoded));
}

Entry AuditChain::Seal(Event event) const {
  Entry entry;
  entry.event = std::move(event);
  {
    absl::MutexLock lock(&mutex_);
    entry.sequence = head_.sequence + 1;
    entry.prev_mac = head_.mac;
  }
  entry.mac = EntryMac(key_, entry);
  return entry;
}

void AuditChain::Appended(const Entry& entry) {
  absl::MutexLock lock(&mutex_);
  if (entry.sequence > head_.sequence) {
    head_ = {entry.sequence, entry.mac};
  }
}

void AuditChain::Reset(ChainHead head) {
  absl::MutexLock lock(&mutex_);
  head_ = std::move(head);
}

void AuditChain::Enter(absl::AnyInvocable<void() &&> go) {
  {
    absl::MutexLock lock(&mutex_);
    if (busy_) {
      waiting_.push_back(std::move(go));
      return;
    }
    busy_ = true;
  }
  std::move(go)();
}

void AuditChain::Leave() {
  absl::AnyInvocable<void() &&> next;
  {
    absl::MutexLock lock(&mutex_);
    if (waiting_.empty()) {
      busy_ = false;
      return;
    }
    next = std::move(waiting_.front());
    waiting_.pop_front();
  }
  // Run outside the lock: `next` may finish at once and Leave again.
  std::move(next)();
}

void ChainVerifier::Record(absl::string_view entry_id, int64_t sequence, Problem problem) {
  if (!first_break_) {
    first_break_ = Break{std::string(entry_id), sequence, problem};
  }
}

void ChainVerifier::Feed(const Entry& entry, bool malformed) {
  ++checked_;
  if (malformed) {
    Record(entry.entry_id, entry.sequence, Problem::kMalformed);
  } else if (!crypto::ConstantTimeEquals(EntryMac(key_, entry), entry.mac)) {
    // Checked first: an altered sequence or link is an alteration of this
    // entry, not a sign that others went missing.
    Record(entry.entry_id, entry.sequence, Problem::kAltered);
  } else if (entry.sequence != last_.sequence + 1) {
    Record(entry.entry_id, entry.sequence, Problem::kSequenceGap);
  } else if (entry.prev_mac != last_.mac) {
    Record(entry.entry_id, entry.sequence, Problem::kBrokenLink);
  }
  // Later entries are checked against this one as stored, so that one break
  // is reported once, where it is.
  last_ = {entry.sequence, entry.mac};
  last_entry_id_ = entry.entry_id;
}

void ChainVerifier::Finish(const ChainHead& stored_head) {
  if (stored_head != last_) {
    Record(last_entry_id_, last_.sequence, Problem::kHeadMismatch);
  }
}

}  // namespace moderation::audit
