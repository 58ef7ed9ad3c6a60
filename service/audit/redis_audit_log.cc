#include "service/audit/redis_audit_log.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "service/common/errors.h"
#include "service/storage/redis/keys.h"

namespace moderation::audit {
namespace {

using redis::RedisScript;
using redis::RedisValue;

// Each process sends one append at a time, so an append loses the race at
// most once per entry other replicas append meanwhile: a replica with a burst
// of decisions can win many times in a row. Enough for bursts of moderators'
// decisions, not unbounded.
constexpr int kMaxAttempts = 64;
// Entries read per round trip when verifying or gathering figures.
constexpr int kChunk = 1000;
// Entries a listing examines per call, so that one call never holds Redis
// for long whatever the filter.
constexpr int kListBudget = 5000;
// Entries about one comment that are listed.
constexpr int kCommentEntriesMax = 1000;
constexpr int64_t kStaleHead = -1;

constexpr absl::string_view kLuaFunctions = R"lua(
local function audit_stale(head_key, expected)
  local head = redis.call('GET', head_key) or '0 '
  if string.match(head, '^%d+') ~= expected then return head end
  return false
end
local function audit_append(stream_key, head_key, index_key, from)
  local id = redis.call('XADD', stream_key, '*', unpack(ARGV, from + 2))
  redis.call('SET', head_key, ARGV[from + 1])
  if index_key then redis.call('RPUSH', index_key, id) end
  return id
end
)lua";

// KEYS: stream, head[, comment index]. ARGV: AppendArguments.
// Returns {1, entry id}, or {-1, head} when the head moved.
const RedisScript& AppendScript() {
  static const auto* script = new RedisScript(absl::StrCat(kLuaFunctions, R"lua(
local stale = audit_stale(KEYS[2], ARGV[1])
if stale then return {-1, stale} end
return {1, audit_append(KEYS[1], KEYS[2], KEYS[3], 1)}
)lua"));
  return *script;
}

// KEYS: stream. ARGV: upper bound (XREVRANGE form), lower bound, limit,
// budget, actor ('' for all). Returns {next token, entry, entry, ...},
// newest first; the token is '' when nothing is left.
const RedisScript& ListScript() {
  static const auto* script = new RedisScript(R"lua(
local hi, lo = ARGV[1], ARGV[2]
local limit, budget, actor = tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local out = {''}
local examined, last, exhausted = 0, nil, false
while #out - 1 < limit and examined < budget and not exhausted do
  local want = math.min(200, budget - examined)
  local entries = redis.call('XREVRANGE', KEYS[1], hi, lo, 'COUNT', want)
  exhausted = #entries < want
  for i, e in ipairs(entries) do
    examined = examined + 1
    last = e[1]
    local match = actor == ''
    if not match then
      local f = e[2]
      for j = 1, #f, 2 do
        if f[j] == 'actor' then match = f[j + 1] == actor break end
      end
    end
    if match then out[#out + 1] = e end
    if #out - 1 >= limit then
      if i < #entries then exhausted = false end
      break
    end
  end
  if last then hi = '(' .. last end
end
if last and not exhausted then out[1] = last end
return out
)lua");
  return *script;
}

// KEYS: stream, comment index. ARGV: most entries. Returns the entries.
const RedisScript& ForCommentScript() {
  static const auto* script = new RedisScript(R"lua(
local out = {}
for _, id in ipairs(redis.call('LRANGE', KEYS[2], 0, tonumber(ARGV[1]) - 1)) do
  local found = redis.call('XRANGE', KEYS[1], id, id)
  if found[1] then out[#out + 1] = found[1] end
end
return out
)lua");
  return *script;
}

// KEYS: stream, head. Returns {head or false, last entry id or false}, at one
// instant, so that verification checks the head against the entries up to it.
const RedisScript& SnapshotScript() {
  static const auto* script = new RedisScript(R"lua(
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
return {redis.call('GET', KEYS[2]) or false, last[1] and last[1][1] or false}
)lua");
  return *script;
}

absl::Status Malformed(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("malformed audit reply: ", what));
}

void AddField(std::vector<std::string>& out, absl::string_view name, absl::string_view value) {
  if (!value.empty()) {
    out.emplace_back(name);
    out.emplace_back(value);
  }
}

// Stream ids are "<ms>-<n>"; a bare "<ms>" is a bound.
std::string MillisBound(absl::Time time) { return absl::StrCat(absl::ToUnixMillis(time)); }

bool IsStreamId(absl::string_view id) {
  const std::size_t dash = id.find('-');
  uint64_t part = 0;
  return dash != absl::string_view::npos && absl::SimpleAtoi(id.substr(0, dash), &part) &&
         absl::SimpleAtoi(id.substr(dash + 1), &part);
}

std::vector<Entry> EntriesOf(const RedisValue& list, std::size_t from) {
  std::vector<Entry> entries;
  for (std::size_t i = from; i < list.elements.size(); ++i) {
    if (std::optional<Entry> entry = EntryFromStream(list.elements[i])) {
      entries.push_back(*std::move(entry));
    }
  }
  return entries;
}

// Reads a stream range in chunks, oldest first (or newest first with
// `reverse`), handing each chunk to `each`, which returns false to stop.
// Then `done` runs with the status.
struct ChunkReader : std::enable_shared_from_this<ChunkReader> {
  redis::RedisClient& client;
  std::string stream;
  std::string low;  // bounds in XRANGE form; the moving one becomes "(<id>"
  std::string high;
  bool reverse = false;
  std::function<bool(const RedisValue& chunk)> each;
  absl::AnyInvocable<void(absl::Status) &&> done;

  ChunkReader(redis::RedisClient& c, std::string s, std::string l, std::string h, bool r)
      : client(c), stream(std::move(s)), low(std::move(l)), high(std::move(h)), reverse(r) {}

  void Next() {
    redis::Command command =
        reverse ? redis::Command{"XREVRANGE", stream, high, low, "COUNT", absl::StrCat(kChunk)}
                : redis::Command{"XRANGE", stream, low, high, "COUNT", absl::StrCat(kChunk)};
    client.Execute(std::move(command),
                   [self = shared_from_this()](absl::StatusOr<RedisValue> reply) mutable {
                     if (!reply.ok()) {
                       std::move(self->done)(reply.status());
                       return;
                     }
                     const bool more = static_cast<int>(reply->elements.size()) == kChunk;
                     if (more) {
                       const RedisValue& last = reply->elements.back();
                       const std::string next =
                           absl::StrCat("(", last.elements.empty() ? "" : last.elements[0].string);
                       (self->reverse ? self->high : self->low) = next;
                     }
                     if (!self->each(*reply) || !more) {
                       std::move(self->done)(absl::OkStatus());
                       return;
                     }
                     self->Next();
                   });
  }
};

}  // namespace

absl::string_view AuditLuaFunctions() { return kLuaFunctions; }

std::vector<std::string> AppendArguments(const Entry& entry) {
  const Event& e = entry.event;
  std::vector<std::string> args = {
      absl::StrCat(entry.sequence - 1),
      EncodeHead({entry.sequence, entry.mac}),
      "seq",
      absl::StrCat(entry.sequence),
      "time_ms",
      absl::StrCat(absl::ToUnixMillis(e.time)),
      "actor",
      e.actor,
      "action",
      std::string(ActionName(e.action)),
  };
  AddField(args, "comment", e.comment_id);
  AddField(args, "rejection", e.rejection_reason);
  AddField(args, "undone", e.undone ? ActionName(*e.undone) : "");
  AddField(args, "note", e.note);
  AddField(args, "ban_id", e.ban_id);
  AddField(args, "ban_target", e.ban_target);
  AddField(args, "ban_reason", e.ban_reason);
  AddField(args, "flagged", e.flagged ? "1" : "");
  AddField(args, "prev", entry.prev_mac);
  args.insert(args.end(), {"mac", entry.mac});
  return args;
}

std::optional<Entry> EntryFromStream(const RedisValue& stream_entry) {
  if (stream_entry.elements.size() != 2 || stream_entry.elements[1].elements.size() % 2 != 0) {
    return std::nullopt;
  }
  Entry entry;
  entry.entry_id = stream_entry.elements[0].string;
  const std::vector<RedisValue>& fields = stream_entry.elements[1].elements;
  bool has_sequence = false;
  bool has_time = false;
  bool has_action = false;
  Event& e = entry.event;
  for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
    const std::string& name = fields[i].string;
    const std::string& value = fields[i + 1].string;
    if (name == "seq") {
      has_sequence = absl::SimpleAtoi(value, &entry.sequence);
    } else if (name == "time_ms") {
      int64_t millis = 0;
      has_time = absl::SimpleAtoi(value, &millis);
      e.time = absl::FromUnixMillis(millis);
    } else if (name == "actor") {
      e.actor = value;
    } else if (name == "action") {
      std::optional<Action> action = ParseAction(value);
      has_action = action.has_value();
      e.action = action.value_or(Action::kApprove);
    } else if (name == "comment") {
      e.comment_id = value;
    } else if (name == "rejection") {
      e.rejection_reason = value;
    } else if (name == "undone") {
      e.undone = ParseAction(value);
    } else if (name == "note") {
      e.note = value;
    } else if (name == "ban_id") {
      e.ban_id = value;
    } else if (name == "ban_target") {
      e.ban_target = value;
    } else if (name == "ban_reason") {
      e.ban_reason = value;
    } else if (name == "flagged") {
      e.flagged = value == "1";
    } else if (name == "prev") {
      entry.prev_mac = value;
    } else if (name == "mac") {
      entry.mac = value;
    }
  }
  if (!has_sequence || !has_time || !has_action || entry.mac.empty()) {
    return std::nullopt;
  }
  return entry;
}

void SendWithAuditEntry(AuditChain& chain, Event event, SendSealed send,
                        absl::AnyInvocable<void(absl::StatusOr<RedisValue>, Entry) &&> done) {
  struct Attempt : std::enable_shared_from_this<Attempt> {
    AuditChain& chain;
    Event event;
    SendSealed send;
    absl::AnyInvocable<void(absl::StatusOr<RedisValue>, Entry) &&> done;
    int left = kMaxAttempts;

    Attempt(AuditChain& c, Event e, SendSealed s,
            absl::AnyInvocable<void(absl::StatusOr<RedisValue>, Entry) &&> d)
        : chain(c), event(std::move(e)), send(std::move(s)), done(std::move(d)) {}

    void Try() {
      // The callback keeps its own copy: a reference to an entry moved into
      // it would be read after the move.
      const Entry entry = chain.Seal(event);
      send(entry, [self = shared_from_this(),
                   entry = entry](absl::StatusOr<RedisValue> reply) mutable {
        const bool stale = reply.ok() && reply->elements.size() == 2 &&
                           reply->elements[0].type == RedisValue::Type::kInteger &&
                           reply->elements[0].integer == kStaleHead;
        if (!stale) {
          self->Finish(std::move(reply), std::move(entry));
          return;
        }
        std::optional<ChainHead> head = DecodeHead(reply->elements[1].string);
        if (!head) {
          self->Finish(Malformed("audit head"), std::move(entry));
          return;
        }
        self->chain.Reset(*std::move(head));
        if (--self->left == 0) {
          self->Finish(ErrorWithReasonCode(absl::StatusCode::kAborted, "AUDIT_BUSY",
                                           "the audit log's head kept moving; nothing was changed"),
                       std::move(entry));
          return;
        }
        self->Try();
      });
    }

    // `done` first, so that the caller records the new head before the
    // next append in this process is sealed.
    void Finish(absl::StatusOr<RedisValue> reply, Entry entry) {
      std::move(done)(std::move(reply), std::move(entry));
      chain.Leave();
    }
  };
  auto attempt =
      std::make_shared<Attempt>(chain, std::move(event), std::move(send), std::move(done));
  chain.Enter([attempt] { attempt->Try(); });
}

RedisAuditLog::RedisAuditLog(redis::RedisClient& client, AuditChain& chain)
    : client_(client), chain_(chain) {}

void RedisAuditLog::Append(Event event, Callback<Entry> done) {
  const std::string comment_id = event.comment_id;
  SendWithAuditEntry(
      chain_, std::move(event),
      [this, comment_id](const Entry& entry, redis::ReplyCallback sent) {
        std::vector<std::string> keys = {redis::keys::AuditLog(), redis::keys::AuditHead()};
        if (!comment_id.empty()) {
          keys.push_back(redis::keys::AuditByComment(comment_id));
        }
        client_.EvalScript(AppendScript(), std::move(keys), AppendArguments(entry),
                           std::move(sent));
      },
      [this, done = std::move(done)](absl::StatusOr<RedisValue> reply, Entry entry) mutable {
        if (!reply.ok()) {
          std::move(done)(reply.status());
          return;
        }
        if (reply->elements.size() != 2 || reply->elements[0].integer != 1) {
          std::move(done)(Malformed("append"));
          return;
        }
        entry.entry_id = reply->elements[1].string;
        chain_.Appended(entry);
        std::move(done)(std::move(entry));
      });
}

void RedisAuditLog::List(Query query, Callback<Page> done) {
  std::string high = "+";
  if (!query.after.empty()) {
    if (!IsStreamId(query.after)) {
      std::move(done)(InvalidFields({{"page_token", "INVALID_FORMAT", "Mã trang không hợp lệ."}}));
      return;
    }
    high = absl::StrCat("(", query.after);
  } else if (query.end) {
    high = absl::StrCat(absl::ToUnixMillis(*query.end) - 1);
  }
  const std::string low = query.start ? MillisBound(*query.start) : "-";
  client_.EvalScript(ListScript(), {redis::keys::AuditLog()},
                     {high, low, absl::StrCat(query.limit), absl::StrCat(kListBudget), query.actor},
                     [done = std::move(done)](absl::StatusOr<RedisValue> reply) mutable {
                       if (!reply.ok()) {
                         std::move(done)(reply.status());
                         return;
                       }
                       if (reply->elements.empty()) {
                         std::move(done)(Malformed("listing"));
                         return;
                       }
                       Page page;
                       page.next_page_token = reply->elements[0].string;
                       page.entries = EntriesOf(*reply, 1);
                       std::move(done)(std::move(page));
                     });
}

void RedisAuditLog::ForComment(const std::string& comment_id, Callback<std::vector<Entry>> done) {
  client_.EvalScript(ForCommentScript(),
                     {redis::keys::AuditLog(), redis::keys::AuditByComment(comment_id)},
                     {absl::StrCat(kCommentEntriesMax)},
                     [done = std::move(done)](absl::StatusOr<RedisValue> reply) mutable {
                       if (!reply.ok()) {
                         std::move(done)(reply.status());
                         return;
                       }
                       std::move(done)(EntriesOf(*reply, 0));
                     });
}

void RedisAuditLog::Verify(Callback<Verification> done) {
  client_.EvalScript(
      SnapshotScript(), {redis::keys::AuditLog(), redis::keys::AuditHead()}, {},
      [this, done = std::move(done)](absl::StatusOr<RedisValue> snapshot) mutable {
        if (!snapshot.ok()) {
          std::move(done)(snapshot.status());
          return;
        }
        if (snapshot->elements.size() != 2) {
          std::move(done)(Malformed("snapshot"));
          return;
        }
        ChainHead head;
        if (snapshot->elements[0].type == RedisValue::Type::kString) {
          std::optional<ChainHead> decoded = DecodeHead(snapshot->elements[0].string);
          // An unreadable head breaks the chain like a wrong one.
          head = decoded.value_or(ChainHead{-1, ""});
        }
        auto verifier = std::make_shared<ChainVerifier>(chain_.key());
        if (snapshot->elements[1].type != RedisValue::Type::kString) {
          verifier->Finish(head);
          std::move(done)(Verification{.checked = 0,
                                       .first_break = verifier->first_break(),
                                       .head_sequence = head.sequence});
          return;
        }
        auto reader = std::make_shared<ChunkReader>(client_, redis::keys::AuditLog(), "-",
                                                    snapshot->elements[1].string,
                                                    /*reverse=*/false);
        reader->each = [verifier](const RedisValue& chunk) {
          for (const RedisValue& item : chunk.elements) {
            std::optional<Entry> entry = EntryFromStream(item);
            if (entry) {
              verifier->Feed(*entry);
            } else {
              Entry unreadable;
              unreadable.entry_id = item.elements.empty() ? "" : item.elements[0].string;
              verifier->Feed(unreadable, /*malformed=*/true);
            }
          }
          return true;
        };
        reader->done = [verifier, head, done = std::move(done)](const absl::Status& read) mutable {
          if (!read.ok()) {
            std::move(done)(read);
            return;
          }
          verifier->Finish(head);
          std::move(done)(Verification{.checked = verifier->checked(),
                                       .first_break = verifier->first_break(),
                                       .head_sequence = head.sequence});
        };
        reader->Next();
      });
}

void RedisAuditLog::Since(absl::Time start, int max_entries, Callback<Recent> done) {
  // Newest first, so that a cut keeps the most recent entries.
  auto recent = std::make_shared<Recent>();
  auto reader = std::make_shared<ChunkReader>(client_, redis::keys::AuditLog(), MillisBound(start),
                                              "+", /*reverse=*/true);
  reader->each = [recent, max_entries](const RedisValue& chunk) {
    for (const RedisValue& item : chunk.elements) {
      if (static_cast<int>(recent->entries.size()) == max_entries) {
        recent->partial = true;
        return false;
      }
      if (std::optional<Entry> entry = EntryFromStream(item)) {
        recent->entries.push_back(*std::move(entry));
      }
    }
    return true;
  };
  reader->done = [recent, done = std::move(done)](const absl::Status& read) mutable {
    if (!read.ok()) {
      std::move(done)(read);
      return;
    }
    std::reverse(recent->entries.begin(), recent->entries.end());
    std::move(done)(std::move(*recent));
  };
  reader->Next();
}

}  // namespace moderation::audit
