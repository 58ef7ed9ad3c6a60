#include "service/comments/redis_comment_repository.h"

#include <algorithm>
#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "service/audit/redis_audit_log.h"
#include "service/common/errors.h"
#include "service/common/ids.h"
#include "service/storage/redis/keys.h"

namespace moderation::comments {
namespace {

using redis::RedisScript;
using redis::RedisValue;

// KEYS: comment hash, pending set, then ARGV[6] author indexes, then the
// idempotency key if any. ARGV: id, idempotency value, idempotency ttl (s),
// queue position, created_ms, number of author indexes, then the hash's
// field/value pairs. Returns {1, id} when stored, {0, prior value} when the
// idempotency key was used before.
const RedisScript& EnqueueScript() {
  static const auto* script = new RedisScript(absl::StrCat(CommentEnqueueLua(), R"lua(
local authors = tonumber(ARGV[6])
local idem = KEYS[3 + authors]
if idem then
  local prior = redis.call('GET', idem)
  if prior then return {0, prior} end
end
local author_keys = {}
for i = 3, 2 + authors do author_keys[#author_keys + 1] = KEYS[i] end
comment_enqueue(KEYS[1], KEYS[2], author_keys, ARGV[4], ARGV[5], ARGV[1], ARGV, 7)
if idem then redis.call('SET', idem, ARGV[2], 'EX', ARGV[3]) end
return {1, ARGV[1]}
)lua"),
                                              redis::WriteAck::kReplicated);
  return *script;
}

// KEYS: comment hash, pending set, claim, moderator's last decision, audit
// stream, audit head, the comment's audit index, the approved lists' version.
// ARGV: id, new status,
// decided_ms, moderator, reason, note, approved-list key prefix, undo window
// (ms), then the audit entry (from ARGV[9]). The approved list's key depends
// on the stored article, so it is built here; it shares the {c} tag.
// Returns {0} when missing, {2, fields} when not pending, {-1, head} when the
// audit head moved, {1, fields, entry id} when done.
const RedisScript& DecideScript() {
  static const auto* script = new RedisScript(absl::StrCat(audit::AuditLuaFunctions(), R"lua(
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return {0} end
if status ~= 'pending' then return {2, redis.call('HGETALL', KEYS[1])} end
local stale = audit_stale(KEYS[6], ARGV[9])
if stale then return {-1, stale} end
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'decided_ms', ARGV[3], 'decided_by', ARGV[4])
if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'reason', ARGV[5]) end
if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'note', ARGV[6]) end
redis.call('ZREM', KEYS[2], '0' .. ARGV[1], '1' .. ARGV[1])
if ARGV[2] == 'approved' then
  local article = redis.call('HGET', KEYS[1], 'article_id')
  redis.call('ZADD', ARGV[7] .. article, 0, ARGV[1])
  redis.call('INCR', KEYS[8])
end
redis.call('DEL', KEYS[3])
redis.call('SET', KEYS[4], ARGV[1], 'PX', ARGV[8])
local entry = audit_append(KEYS[5], KEYS[6], KEYS[7], 9)
return {1, redis.call('HGETALL', KEYS[1]), entry}
)lua"),
                                              redis::WriteAck::kReplicated);
  return *script;
}

// KEYS as DecideScript. ARGV: id, moderator, now (ms), window (ms),
// approved-list key prefix, expected status, claim owner, claim ttl (ms),
// then the audit entry (from ARGV[9]). Returns {0} when missing, {2, why}
// when it may not be undone, {-1, head} when the audit head moved,
// {1, fields, entry id} when done.
const RedisScript& UndoScript() {
  static const auto* script = new RedisScript(absl::StrCat(audit::AuditLuaFunctions(), R"lua(
local v = redis.call('HMGET', KEYS[1], 'status', 'decided_by', 'decided_ms', 'article_id',
                     'flagged')
if not v[1] then return {0} end
if v[1] == 'pending' then return {2, 'the comment is pending'} end
if v[1] ~= ARGV[6] then return {2, 'the comment changed meanwhile'} end
if v[2] ~= ARGV[2] then return {2, 'someone else decided it'} end
if tonumber(ARGV[3]) - (tonumber(v[3]) or 0) > tonumber(ARGV[4]) then
  return {2, 'the undo window has passed'}
end
if redis.call('GET', KEYS[4]) ~= ARGV[1] then
  return {2, 'it is not your last decision'}
end
local stale = audit_stale(KEYS[6], ARGV[9])
if stale then return {-1, stale} end
if v[1] == 'approved' then
  redis.call('ZREM', ARGV[5] .. v[4], ARGV[1])
  redis.call('INCR', KEYS[8])
end
redis.call('HSET', KEYS[1], 'status', 'pending')
redis.call('HDEL', KEYS[1], 'decided_ms', 'decided_by', 'reason', 'note')
redis.call('ZADD', KEYS[2], 0, (v[5] == '1' and '0' or '1') .. ARGV[1])
redis.call('DEL', KEYS[4])
redis.call('SET', KEYS[3], ARGV[7], 'PX', ARGV[8])
local entry = audit_append(KEYS[5], KEYS[6], KEYS[7], 9)
return {1, redis.call('HGETALL', KEYS[1]), entry}
)lua"),
                                              redis::WriteAck::kReplicated);
  return *script;
}

// Whether a pending comment matches a filter: `pending_matches(key, a)`
// reads the comment's hash and compares with the nine filter values from
// ARGV[a] (see FilterArguments).
constexpr absl::string_view kFilterLua = R"lua(
local function pending_matches(key, a)
  local v = redis.call('HMGET', key, 'article_id', 'score', 'flagged', 'signals', 'created_ms',
                       'ip', 'phone_digest', 'network')
  if ARGV[a] ~= '' and v[1] ~= ARGV[a] then return false end
  if ARGV[a + 1] ~= '' then
    local found = false
    for record in string.gmatch(v[4] or '', '[^\30]+') do
      if string.match(record, '^[^\31]*') == ARGV[a + 1] and string.sub(record, -1) == '0' then
        found = true
        break
      end
    end
    if not found then return false end
  end
  if ARGV[a + 2] ~= '' and (tonumber(v[2] or '0') or 0) < tonumber(ARGV[a + 2]) then
    return false
  end
  local created = tonumber(v[5] or '0') or 0
  if ARGV[a + 3] ~= '' and created > tonumber(ARGV[a + 3]) then return false end
  if ARGV[a + 4] ~= '' and created < tonumber(ARGV[a + 4]) then return false end
  if ARGV[a + 5] == 'ip' and string.sub(v[6] or '', 1, 32) ~= ARGV[a + 6] then return false end
  if ARGV[a + 5] == 'ph' and string.sub(v[7] or '', 1, 32) ~= ARGV[a + 6] then return false end
  if ARGV[a + 7] ~= '' and v[8] ~= ARGV[a + 7] then return false end
  if ARGV[a + 8] == '1' and v[3] ~= '1' then return false end
  return true
end
)lua";

// KEYS: pending set. ARGV: start bound, limit, budget (positions examined at
// most), comment key prefix, claim key prefix, then the filter (from
// ARGV[6]). Returns {total, next position or '', fields, claim, fields,
// claim, ...}.
const RedisScript& PendingScript() {
  static const auto* script = new RedisScript(absl::StrCat(kFilterLua, R"lua(
local limit, budget = tonumber(ARGV[2]), tonumber(ARGV[3])
local unfiltered = true
for i = 6, 14 do if ARGV[i] ~= '' then unfiltered = false end end
local out = {redis.call('ZCARD', KEYS[1]), ''}
local cursor, examined, found, last, exhausted = ARGV[1], 0, 0, nil, false
while found < limit and examined < budget and not exhausted do
  local want = math.min(100, budget - examined)
  if unfiltered then want = limit - found end
  local positions = redis.call('ZRANGE', KEYS[1], cursor, '+', 'BYLEX', 'LIMIT', 0, want)
  exhausted = #positions < want
  for i, position in ipairs(positions) do
    examined = examined + 1
    last = position
    local id = string.sub(position, 2)
    local key = ARGV[4] .. id
    if unfiltered or pending_matches(key, 6) then
      found = found + 1
      out[#out + 1] = redis.call('HGETALL', key)
      out[#out + 1] = redis.call('GET', ARGV[5] .. id) or ''
      if found >= limit then
        if i < #positions then exhausted = false end
        break
      end
    end
  end
  if last then cursor = '(' .. last end
end
if last and not exhausted then
  if #redis.call('ZRANGE', KEYS[1], cursor, '+', 'BYLEX', 'LIMIT', 0, 1) > 0 then
    out[2] = last
  end
end
return out
)lua"));
  return *script;
}

// KEYS: pending set. ARGV: start bound, budget, comment key prefix, claim key
// prefix, claim owner ("<moderator> <session>"), claim ttl (ms), id to
// release, comma-separated ids to skip, then the filter (from ARGV[9]).
// Returns {total, 1, fields} when claimed, {total, 0} when nothing is left,
// {total, 2, position} when the budget ran out at `position`.
const RedisScript& ClaimScript() {
  static const auto* script = new RedisScript(absl::StrCat(kFilterLua, R"lua(
local owner = ARGV[5]
local moderator = string.match(owner, '^[^ ]*')
local skip = {}
for id in string.gmatch(ARGV[8], '[^,]+') do skip[id] = true end
if ARGV[7] ~= '' then
  local key = ARGV[4] .. ARGV[7]
  local holder = redis.call('GET', key)
  if holder and string.match(holder, '^[^ ]*') == moderator then redis.call('DEL', key) end
  skip[ARGV[7]] = true
end
local total = redis.call('ZCARD', KEYS[1])
local budget = tonumber(ARGV[2])
local cursor, examined = ARGV[1], 0
while examined < budget do
  local want = math.min(100, budget - examined)
  local positions = redis.call('ZRANGE', KEYS[1], cursor, '+', 'BYLEX', 'LIMIT', 0, want)
  for _, position in ipairs(positions) do
    examined = examined + 1
    local id = string.sub(position, 2)
    if not skip[id] then
      local claim_key = ARGV[4] .. id
      local holder = redis.call('GET', claim_key)
      if (not holder or holder == owner) and pending_matches(ARGV[3] .. id, 9) then
        redis.call('SET', claim_key, owner, 'PX', ARGV[6])
        return {total, 1, redis.call('HGETALL', ARGV[3] .. id)}
      end
    end
    cursor = '(' .. position
  end
  if #positions < want then return {total, 0} end
end
return {total, 2, string.sub(cursor, 2)}
)lua"));
  return *script;
}

// KEYS: claim. ARGV: moderator. Returns 1 when their claim was ended.
const RedisScript& ReleaseScript() {
  static const auto* script = new RedisScript(R"lua(
local holder = redis.call('GET', KEYS[1])
if holder and string.match(holder, '^[^ ]*') == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
)lua");
  return *script;
}

// KEYS: author indexes. ARGV: comment key prefix, id to leave out, most
// comments read per author, how many recent ones to return. Returns per key
// {others, pending, approved, rejected, partial, {id, status, reason,
// article, created_ms, ...}}.
const RedisScript& HistoryScript() {
  static const auto* script = new RedisScript(R"lua(
local most, keep = tonumber(ARGV[3]), tonumber(ARGV[4])
local out = {}
for k = 1, #KEYS do
  local total = redis.call('ZCARD', KEYS[k])
  local ids = redis.call('ZREVRANGE', KEYS[k], 0, most - 1)
  local counts = {pending = 0, approved = 0, rejected = 0}
  local recent, kept = {}, 0
  for _, id in ipairs(ids) do
    if id ~= ARGV[2] then
      local v = redis.call('HMGET', ARGV[1] .. id, 'status', 'reason', 'article_id', 'created_ms')
      if v[1] and counts[v[1]] then counts[v[1]] = counts[v[1]] + 1 end
      if v[1] and kept < keep then
        kept = kept + 1
        for _, x in ipairs({id, v[1], v[2] or '', v[3] or '', v[4] or '0'}) do
          recent[#recent + 1] = x
        end
      end
    end
  end
  local others = total
  if redis.call('ZSCORE', KEYS[k], ARGV[2]) then others = others - 1 end
  out[k] = {others, counts.pending, counts.approved, counts.rejected,
            (#ids < total) and 1 or 0, recent}
end
return out
)lua");
  return *script;
}

// KEYS: pending set. Returns {total, flagged, first flagged position or '',
// first other position or ''}.
const RedisScript& SummaryScript() {
  static const auto* script = new RedisScript(R"lua(
local flagged = redis.call('ZRANGE', KEYS[1], '[0', '(1', 'BYLEX', 'LIMIT', 0, 1)
local others = redis.call('ZRANGE', KEYS[1], '[1', '(2', 'BYLEX', 'LIMIT', 0, 1)
return {redis.call('ZCARD', KEYS[1]), redis.call('ZLEXCOUNT', KEYS[1], '[0', '(1'),
        flagged[1] or '', others[1] or ''}
)lua");
  return *script;
}

// KEYS: a sorted set of ids, or of queue positions (ARGV[5] = '1': the id
// follows a one-character prefix). ARGV: start bound, limit, comment key
// prefix, '1' for newest first. Returns {total, fields, fields, ...}.
const RedisScript& ListScript() {
  static const auto* script = new RedisScript(R"lua(
local ids
if ARGV[4] == '1' then
  ids = redis.call('ZRANGE', KEYS[1], ARGV[1], '-', 'BYLEX', 'REV', 'LIMIT', 0, ARGV[2])
else
  ids = redis.call('ZRANGE', KEYS[1], ARGV[1], '+', 'BYLEX', 'LIMIT', 0, ARGV[2])
end
local out = {redis.call('ZCARD', KEYS[1])}
local skip = tonumber(ARGV[5]) + 1
for _, id in ipairs(ids) do
  out[#out + 1] = redis.call('HGETALL', ARGV[3] .. string.sub(id, skip))
end
return out
)lua");
  return *script;
}

absl::Status Malformed(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("malformed stored comment: ", what));
}

std::optional<absl::Time> ParseMillis(absl::string_view text) {
  int64_t millis = 0;
  if (!absl::SimpleAtoi(text, &millis)) {
    return std::nullopt;
  }
  return absl::FromUnixMillis(millis);
}

// Signals as "rule US score US detail US shadow", joined by RS: the ASCII
// unit and record separators, which validation keeps out of reader text.
constexpr char kUnit = '\x1f';
constexpr char kRecord = '\x1e';

std::vector<SpamSignal> DecodeSignals(absl::string_view encoded) {
  std::vector<SpamSignal> signals;
  for (absl::string_view record : absl::StrSplit(encoded, kRecord, absl::SkipEmpty())) {
    std::vector<absl::string_view> parts = absl::StrSplit(record, kUnit);
    if (parts.size() != 4) {
      continue;
    }
    SpamSignal signal;
    signal.rule = std::string(parts[0]);
    if (!absl::SimpleAtod(parts[1], &signal.score)) {
      continue;
    }
    signal.detail = std::string(parts[2]);
    signal.shadow = parts[3] == "1";
    signals.push_back(std::move(signal));
  }
  return signals;
}

absl::StatusOr<Comment> CommentFromFields(const RedisValue& fields) {
  if (fields.type != RedisValue::Type::kArray || fields.elements.size() % 2 != 0) {
    return Malformed("not a field list");
  }
  Comment comment;
  bool has_status = false;
  bool has_created = false;
  for (std::size_t i = 0; i + 1 < fields.elements.size(); i += 2) {
    const std::string& name = fields.elements[i].string;
    const std::string& value = fields.elements[i + 1].string;
    if (name == "id") {
      comment.id = value;
    } else if (name == "article_id") {
      comment.article_id = value;
    } else if (name == "name") {
      comment.name = value;
    } else if (name == "title") {
      comment.title = value;
    } else if (name == "body") {
      comment.body = value;
    } else if (name == "phone") {
      comment.phone_sealed = value;
    } else if (name == "ip") {
      comment.client_ip_digest = value;
    } else if (name == "phone_digest") {
      comment.phone_digest = value;
    } else if (name == "network") {
      comment.client_network = value;
    } else if (name == "ua") {
      comment.user_agent = value;
    } else if (name == "status") {
      std::optional<CommentStatus> status = ParseStatus(value);
      if (!status) {
        return Malformed("status");
      }
      comment.status = *status;
      has_status = true;
    } else if (name == "created_ms") {
      std::optional<absl::Time> time = ParseMillis(value);
      if (!time) {
        return Malformed("created_ms");
      }
      comment.create_time = *time;
      has_created = true;
    } else if (name == "decided_ms") {
      comment.decide_time = ParseMillis(value);
    } else if (name == "decided_by") {
      comment.decided_by = value;
    } else if (name == "reason") {
      comment.rejection_reason = ParseReason(value);
    } else if (name == "note") {
      comment.decision_note = value;
    } else if (name == "score") {
      if (!absl::SimpleAtod(value, &comment.spam_score)) {
        return Malformed("score");
      }
    } else if (name == "flagged") {
      comment.flagged = value == "1";
    } else if (name == "signals") {
      comment.spam_signals = DecodeSignals(value);
    }
  }
  if (comment.id.empty() || !has_status || !has_created) {
    return Malformed("missing fields");
  }
  return comment;
}

std::optional<PriorSubmission> ParsePrior(absl::string_view value) {
  std::vector<std::string> parts = absl::StrSplit(value, ' ');
  if (parts.size() != 2) {
    return std::nullopt;
  }
  return PriorSubmission{std::move(parts[0]), std::move(parts[1])};
}

absl::StatusOr<CommentPage> PageFromReply(const RedisValue& reply, int limit) {
  if (reply.type != RedisValue::Type::kArray || reply.elements.empty()) {
    return Malformed("listing reply");
  }
  CommentPage page;
  page.total = reply.elements[0].integer;
  // The script fetched one more than asked, to know whether a next page exists.
  const std::size_t available = reply.elements.size() - 1;
  const std::size_t take = std::min<std::size_t>(available, static_cast<std::size_t>(limit));
  for (std::size_t i = 1; i <= take; ++i) {
    absl::StatusOr<Comment> comment = CommentFromFields(reply.elements[i]);
    if (!comment.ok()) {
      return comment.status();
    }
    page.comments.push_back(*std::move(comment));
  }
  if (available > take && !page.comments.empty()) {
    page.next_cursor = page.comments.back().id;
  }
  return page;
}

// Queued comments examined per call at most, whatever the filter: a filter
// that matches little answers a short page rather than holding Redis long.
constexpr int kScanBudget = 2000;
// ClaimNext continues a scan whose budget ran out this many times at most.
constexpr int kClaimCalls = 10;
// Most skipped ids a claim takes into account.
constexpr std::size_t kMaxExcluded = 1000;
// Author histories: comments read per author, and recent ones returned.
constexpr int kHistoryRead = 1000;
constexpr int kHistoryRecent = 5;

// The nine filter values the Lua filter reads (see kFilterLua).
std::vector<std::string> FilterArguments(const PendingFilter& filter) {
  const auto millis = [](const std::optional<absl::Time>& time) {
    return time ? absl::StrCat(absl::ToUnixMillis(*time)) : std::string();
  };
  std::string author_kind;
  std::string author_hex;
  if (IsWellFormedAuthorKey(filter.author_key)) {
    author_kind = filter.author_key.substr(0, 2);
    author_hex = filter.author_key.substr(3);
  }
  return {
      filter.article_id,
      filter.spam_rule,
      filter.min_spam_score ? absl::StrCat(*filter.min_spam_score) : "",
      millis(filter.created_at_or_before),
      millis(filter.created_at_or_after),
      author_kind,
      author_hex,
      filter.client_network,
      filter.flagged_only ? "1" : "",
  };
}

// The moderator's part of a claim's owner, "<moderator> <session>".
std::string ClaimHolder(absl::string_view owner) {
  return std::string(owner.substr(0, owner.find(' ')));
}

absl::StatusOr<CommentPage> PendingPageFromReply(const RedisValue& reply) {
  if (reply.type != RedisValue::Type::kArray || reply.elements.size() < 2 ||
      reply.elements.size() % 2 != 0) {
    return Malformed("listing reply");
  }
  CommentPage page;
  page.total = reply.elements[0].integer;
  page.next_cursor = reply.elements[1].string;
  for (std::size_t i = 2; i + 1 < reply.elements.size(); i += 2) {
    absl::StatusOr<Comment> comment = CommentFromFields(reply.elements[i]);
    if (!comment.ok()) {
      return comment.status();
    }
    comment->claimed_by = ClaimHolder(reply.elements[i + 1].string);
    page.comments.push_back(*std::move(comment));
  }
  return page;
}

// The answer of the decide and undo scripts: {0}, {2, ...}, {1, fields,
// entry id}; `not_applied` makes the error for {2, detail}.
void FinishChange(absl::StatusOr<RedisValue> reply, const std::string& comment_id,
                  audit::AuditChain& chain, const audit::Entry& entry,
                  absl::AnyInvocable<absl::Status(const RedisValue& detail)> not_applied,
                  Callback<Comment> done) {
  if (!reply.ok()) {
    std::move(done)(reply.status());
    return;
  }
  if (reply->elements.empty()) {
    std::move(done)(Malformed("decision reply"));
    return;
  }
  const int64_t outcome = reply->elements[0].integer;
  if (outcome == 0) {
    std::move(done)(CommentNotFound(comment_id));
    return;
  }
  if (reply->elements.size() < 2) {
    std::move(done)(Malformed("decision reply"));
    return;
  }
  if (outcome == 2) {
    std::move(done)(not_applied(reply->elements[1]));
    return;
  }
  chain.Appended(entry);
  std::move(done)(CommentFromFields(reply->elements[1]));
}

}  // namespace

absl::string_view CommentEnqueueLua() {
  return R"lua(
-- Stores a new pending comment: its hash (fields from fields[first] on), its
-- place in the queue and in its authors' histories.
local function comment_enqueue(comment_key, pending_key, author_keys, position, created_ms, id,
                               fields, first)
  redis.call('HSET', comment_key, unpack(fields, first))
  redis.call('ZADD', pending_key, 0, position)
  for _, key in ipairs(author_keys) do redis.call('ZADD', key, created_ms, id) end
end
)lua";
}

std::string EncodeSignals(const std::vector<SpamSignal>& signals) {
  std::string out;
  for (const SpamSignal& signal : signals) {
    if (!out.empty()) {
      out.push_back(kRecord);
    }
    absl::StrAppend(&out, signal.rule, std::string(1, kUnit), signal.score, std::string(1, kUnit),
                    signal.detail, std::string(1, kUnit), signal.shadow ? "1" : "0");
  }
  return out;
}

std::vector<std::string> CommentHashFields(const Comment& comment) {
  std::vector<std::string> fields = {
      "id",         comment.id,
      "article_id", comment.article_id,
      "name",       comment.name,
      "title",      comment.title,
      "body",       comment.body,
      "ip",         comment.client_ip_digest,
      "network",    comment.client_network,
      "status",     std::string(StatusName(comment.status)),
      "created_ms", absl::StrCat(absl::ToUnixMillis(comment.create_time)),
  };
  // Optional fields are left out when empty: Redis memory is per field.
  if (!comment.phone_sealed.empty()) {
    fields.insert(fields.end(), {"phone", comment.phone_sealed});
  }
  if (!comment.phone_digest.empty()) {
    fields.insert(fields.end(), {"phone_digest", comment.phone_digest});
  }
  if (!comment.user_agent.empty()) {
    fields.insert(fields.end(), {"ua", comment.user_agent});
  }
  AppendSpamFields(comment.spam_score, comment.flagged, comment.spam_signals, fields);
  return fields;
}

void AppendSpamFields(double score, bool flagged, const std::vector<SpamSignal>& signals,
                      std::vector<std::string>& fields) {
  if (score != 0) {
    fields.insert(fields.end(), {"score", absl::StrCat(score)});
  }
  if (flagged) {
    fields.insert(fields.end(), {"flagged", "1"});
  }
  if (!signals.empty()) {
    fields.insert(fields.end(), {"signals", EncodeSignals(signals)});
  }
}

std::string IdempotencyValue(absl::string_view comment_id, absl::string_view fingerprint) {
  return absl::StrCat(comment_id, " ", fingerprint);
}

std::optional<PriorSubmission> ParsePriorSubmission(absl::string_view value) {
  return ParsePrior(value);
}

std::vector<std::string> AuthorIndexKeys(const Comment& comment) {
  std::vector<std::string> keys;
  for (const std::string& author : {IpAuthorKey(comment), PhoneAuthorKey(comment)}) {
    if (!author.empty()) {
      keys.push_back(redis::keys::AuthorIndex(author));
    }
  }
  return keys;
}

RedisCommentRepository::RedisCommentRepository(redis::RedisClient& client,
                                               audit::AuditChain& audit_chain)
    : client_(client), audit_chain_(audit_chain) {}

void RedisCommentRepository::Enqueue(Comment comment, std::optional<IdempotencyRecord> idempotency,
                                     Callback<EnqueueResult> done) {
  std::vector<std::string> keys = {redis::keys::Comment(comment.id), redis::keys::PendingQueue()};
  for (std::string& author_key : AuthorIndexKeys(comment)) {
    keys.push_back(std::move(author_key));
  }
  std::vector<std::string> args = {comment.id,
                                   "",
                                   "0",
                                   QueuePosition(comment.id, comment.flagged),
                                   absl::StrCat(absl::ToUnixMillis(comment.create_time)),
                                   absl::StrCat(keys.size() - 2)};
  if (idempotency) {
    keys.push_back(redis::keys::Idempotency(idempotency->key_digest));
    args[1] = IdempotencyValue(comment.id, idempotency->fingerprint);
    args[2] = absl::StrCat(std::max<int64_t>(1, absl::ToInt64Seconds(idempotency->ttl)));
  }
  std::vector<std::string> fields = CommentHashFields(comment);
  args.insert(args.end(), std::make_move_iterator(fields.begin()),
              std::make_move_iterator(fields.end()));
  client_.EvalScript(EnqueueScript(), std::move(keys), std::move(args),
                     [done = std::move(done)](absl::StatusOr<RedisValue> reply) mutable {
                       if (!reply.ok()) {
                         std::move(done)(reply.status());
                         return;
                       }
                       if (reply->elements.size() != 2) {
                         std::move(done)(Malformed("enqueue reply"));
                         return;
                       }
                       EnqueueResult result;
                       if (reply->elements[0].integer == 1) {
                         result.comment_id = reply->elements[1].string;
                       } else {
                         result.prior = ParsePrior(reply->elements[1].string);
                         if (!result.prior) {
                           std::move(done)(Malformed("idempotency record"));
                           return;
                         }
                         result.comment_id = result.prior->comment_id;
                       }
                       std::move(done)(std::move(result));
                     });
}

void RedisCommentRepository::FindPrior(const std::string& key_digest,
                                       Callback<std::optional<PriorSubmission>> done) {
  client_.Execute({"GET", redis::keys::Idempotency(key_digest)},
                  [done = std::move(done)](absl::StatusOr<RedisValue> reply) mutable {
                    if (!reply.ok()) {
                      std::move(done)(reply.status());
                      return;
                    }
                    if (reply->is_nil()) {
                      std::move(done)(std::optional<PriorSubmission>());
                      return;
                    }
                    std::move(done)(ParsePrior(reply->string));
                  });
}

void RedisCommentRepository::Get(const std::string& comment_id, Callback<Comment> done) {
  client_.Execute({"HGETALL", redis::keys::Comment(comment_id)},
                  [comment_id, done = std::move(done)](absl::StatusOr<RedisValue> reply) mutable {
                    if (!reply.ok()) {
                      std::move(done)(reply.status());
                      return;
                    }
                    if (reply->elements.empty()) {
                      std::move(done)(CommentNotFound(comment_id));
                      return;
                    }
                    std::move(done)(CommentFromFields(*reply));
                  });
}

void RedisCommentRepository::ListPending(const PendingFilter& filter, const std::string& after,
                                         int limit, Callback<CommentPage> done) {
  std::vector<std::string> args = {after.empty() ? "-" : absl::StrCat("(", after),
                                   absl::StrCat(limit), absl::StrCat(kScanBudget),
                                   std::string(redis::keys::kCommentPrefix),
                                   std::string(redis::keys::kClaimPrefix)};
  std::vector<std::string> filter_args = FilterArguments(filter);
  args.insert(args.end(), filter_args.begin(), filter_args.end());
  client_.EvalScript(PendingScript(), {redis::keys::PendingQueue()}, std::move(args),
                     [done = std::move(done)](absl::StatusOr<RedisValue> reply) mutable {
                       if (!reply.ok()) {
                         std::move(done)(reply.status());
                         return;
                       }
                       std::move(done)(PendingPageFromReply(*reply));
                     });
}

void RedisCommentRepository::ListApproved(const std::string& article_id,
                                          const std::string& after_id, int limit,
                                          Callback<CommentPage> done) {
  client_.EvalScript(ListScript(), {redis::keys::Approved(article_id)},
                     {after_id.empty() ? "+" : absl::StrCat("(", after_id), absl::StrCat(limit + 1),
                      std::string(redis::keys::kCommentPrefix), "1", "0"},
                     [limit, done = std::move(done)](absl::StatusOr<RedisValue> reply) mutable {
                       if (!reply.ok()) {
                         std::move(done)(reply.status());
                         return;
                       }
                       std::move(done)(PageFromReply(*reply, limit));
                     });
}

void RedisCommentRepository::ApprovedVersion(Callback<int64_t> done) {
  client_.Execute({"GET", redis::keys::ApprovedVersion()},
                  [done = std::move(done)](absl::StatusOr<RedisValue> reply) mutable {
                    if (!reply.ok()) {
                      std::move(done)(reply.status());
                      return;
                    }
                    int64_t version = 0;
                    if (reply->type == RedisValue::Type::kString &&
                        !absl::SimpleAtoi(reply->string, &version)) {
                      std::move(done)(absl::InternalError("approved-list version is not a number"));
                      return;
                    }
                    std::move(done)(version);
                  });
}

void RedisCommentRepository::Decide(const std::string& comment_id, Decision decision,
                                    Callback<Comment> done) {
  std::vector<std::string> args = {
      comment_id,
      std::string(StatusName(decision.status)),
      absl::StrCat(absl::ToUnixMillis(decision.time)),
      decision.moderator,
      decision.rejection_reason ? std::string(ReasonName(*decision.rejection_reason)) : "",
      decision.note,
      std::string(redis::keys::kApprovedPrefix),
      absl::StrCat(std::max<int64_t>(1, absl::ToInt64Milliseconds(decision.undo_window))),
  };
  std::vector<std::string> keys = {redis::keys::Comment(comment_id),
                                   redis::keys::PendingQueue(),
                                   redis::keys::Claim(comment_id),
                                   redis::keys::LastDecision(decision.moderator),
                                   redis::keys::AuditLog(),
                                   redis::keys::AuditHead(),
                                   redis::keys::AuditByComment(comment_id),
                                   redis::keys::ApprovedVersion()};
  audit::SendWithAuditEntry(
      audit_chain_, std::move(decision.audit),
      [this, keys = std::move(keys), args = std::move(args)](const audit::Entry& entry,
                                                             redis::ReplyCallback sent) {
        std::vector<std::string> all = args;
        std::vector<std::string> audit_args = audit::AppendArguments(entry);
        all.insert(all.end(), audit_args.begin(), audit_args.end());
        client_.EvalScript(DecideScript(), keys, std::move(all), std::move(sent));
      },
      [this, comment_id, done = std::move(done)](absl::StatusOr<RedisValue> reply,
                                                 const audit::Entry& entry) mutable {
        FinishChange(
            std::move(reply), comment_id, audit_chain_, entry,
            [](const RedisValue& fields) -> absl::Status {
              absl::StatusOr<Comment> current = CommentFromFields(fields);
              if (!current.ok()) {
                return current.status();
              }
              return CommentNotPending(current->status);
            },
            std::move(done));
      });
}

void RedisCommentRepository::Undo(const std::string& comment_id, UndoOrder order,
                                  Callback<Comment> done) {
  std::vector<std::string> args = {
      comment_id,
      order.moderator,
      absl::StrCat(absl::ToUnixMillis(order.time)),
      absl::StrCat(absl::ToInt64Milliseconds(order.window)),
      std::string(redis::keys::kApprovedPrefix),
      std::string(StatusName(order.expected_status)),
      absl::StrCat(order.moderator, " ", order.session),
      absl::StrCat(std::max<int64_t>(1, absl::ToInt64Milliseconds(order.claim_ttl))),
  };
  std::vector<std::string> keys = {redis::keys::Comment(comment_id),
                                   redis::keys::PendingQueue(),
                                   redis::keys::Claim(comment_id),
                                   redis::keys::LastDecision(order.moderator),
                                   redis::keys::AuditLog(),
                                   redis::keys::AuditHead(),
                                   redis::keys::AuditByComment(comment_id),
                                   redis::keys::ApprovedVersion()};
  audit::SendWithAuditEntry(
      audit_chain_, std::move(order.audit),
      [this, keys = std::move(keys), args = std::move(args)](const audit::Entry& entry,
                                                             redis::ReplyCallback sent) {
        std::vector<std::string> all = args;
        std::vector<std::string> audit_args = audit::AppendArguments(entry);
        all.insert(all.end(), audit_args.begin(), audit_args.end());
        client_.EvalScript(UndoScript(), keys, std::move(all), std::move(sent));
      },
      [this, comment_id, done = std::move(done)](absl::StatusOr<RedisValue> reply,
                                                 const audit::Entry& entry) mutable {
        FinishChange(
            std::move(reply), comment_id, audit_chain_, entry,
            [](const RedisValue& why) { return UndoNotAllowed(why.string); }, std::move(done));
      });
}

void RedisCommentRepository::ClaimNext(ClaimOrder order, Callback<ClaimResult> done) {
  if (order.exclude.size() > kMaxExcluded) {
    order.exclude.resize(kMaxExcluded);
  }
  ClaimFrom("-", kClaimCalls, std::make_shared<ClaimOrder>(std::move(order)), std::move(done));
}

void RedisCommentRepository::ClaimFrom(std::string start, int calls_left,
                                       const std::shared_ptr<ClaimOrder>& order,
                                       Callback<ClaimResult> done) {
  std::vector<std::string> args = {
      std::move(start),
      absl::StrCat(kScanBudget),
      std::string(redis::keys::kCommentPrefix),
      std::string(redis::keys::kClaimPrefix),
      absl::StrCat(order->moderator, " ", order->session),
      absl::StrCat(std::max<int64_t>(1, absl::ToInt64Milliseconds(order->ttl))),
      order->release_id,
      absl::StrJoin(order->exclude, ","),
  };
  std::vector<std::string> filter_args = FilterArguments(order->filter);
  args.insert(args.end(), filter_args.begin(), filter_args.end());
  // A release happens once, on the first call.
  order->release_id.clear();
  client_.EvalScript(
      ClaimScript(), {redis::keys::PendingQueue()}, std::move(args),
      [this, calls_left, order, done = std::move(done)](absl::StatusOr<RedisValue> reply) mutable {
        if (!reply.ok()) {
          std::move(done)(reply.status());
          return;
        }
        if (reply->elements.size() < 2) {
          std::move(done)(Malformed("claim reply"));
          return;
        }
        ClaimResult result;
        result.total_pending = reply->elements[0].integer;
        const int64_t outcome = reply->elements[1].integer;
        if (outcome == 2 && reply->elements.size() == 3 && calls_left > 1) {
          ClaimFrom(absl::StrCat("(", reply->elements[2].string), calls_left - 1, order,
                    std::move(done));
          return;
        }
        if (outcome == 1 && reply->elements.size() == 3) {
          absl::StatusOr<Comment> comment = CommentFromFields(reply->elements[2]);
          if (!comment.ok()) {
            std::move(done)(comment.status());
            return;
          }
          comment->claimed_by = order->moderator;
          result.comment = *std::move(comment);
          result.expire_time = order->now + order->ttl;
        }
        std::move(done)(std::move(result));
      });
}

void RedisCommentRepository::ReleaseClaim(const std::string& comment_id,
                                          const std::string& moderator, Callback<bool> done) {
  client_.EvalScript(ReleaseScript(), {redis::keys::Claim(comment_id)}, {moderator},
                     [done = std::move(done)](absl::StatusOr<RedisValue> reply) mutable {
                       if (!reply.ok()) {
                         std::move(done)(reply.status());
                         return;
                       }
                       std::move(done)(reply->integer == 1);
                     });
}

void RedisCommentRepository::AuthorHistory(std::vector<std::string> author_keys,
                                           const std::string& except_id,
                                           Callback<std::vector<AuthorRecord>> done) {
  if (author_keys.empty()) {
    std::move(done)(std::vector<AuthorRecord>());
    return;
  }
  std::vector<std::string> keys;
  keys.reserve(author_keys.size());
  for (const std::string& author : author_keys) {
    keys.push_back(redis::keys::AuthorIndex(author));
  }
  client_.EvalScript(
      HistoryScript(), std::move(keys),
      {std::string(redis::keys::kCommentPrefix), except_id, absl::StrCat(kHistoryRead),
       absl::StrCat(kHistoryRecent)},
      [author_keys = std::move(author_keys),
       done = std::move(done)](absl::StatusOr<RedisValue> reply) mutable {
        if (!reply.ok()) {
          std::move(done)(reply.status());
          return;
        }
        if (reply->elements.size() != author_keys.size()) {
          std::move(done)(Malformed("history reply"));
          return;
        }
        std::vector<AuthorRecord> records;
        for (std::size_t k = 0; k < author_keys.size(); ++k) {
          const RedisValue& item = reply->elements[k];
          if (item.elements.size() != 6) {
            std::move(done)(Malformed("history reply"));
            return;
          }
          AuthorRecord record;
          record.author_key = author_keys[k];
          record.other_comments = item.elements[0].integer;
          record.pending = item.elements[1].integer;
          record.approved = item.elements[2].integer;
          record.rejected = item.elements[3].integer;
          record.partial = item.elements[4].integer == 1;
          const std::vector<RedisValue>& recent = item.elements[5].elements;
          for (std::size_t i = 0; i + 4 < recent.size(); i += 5) {
            Comment comment;
            comment.id = recent[i].string;
            comment.status = ParseStatus(recent[i + 1].string).value_or(CommentStatus::kPending);
            comment.rejection_reason = ParseReason(recent[i + 2].string);
            comment.article_id = recent[i + 3].string;
            comment.create_time = ParseMillis(recent[i + 4].string).value_or(absl::UnixEpoch());
            record.recent.push_back(std::move(comment));
          }
          records.push_back(std::move(record));
        }
        std::move(done)(std::move(records));
      });
}

void RedisCommentRepository::Summarize(Callback<QueueSummary> done) {
  client_.EvalScript(
      SummaryScript(), {redis::keys::PendingQueue()}, {},
      [done = std::move(done)](absl::StatusOr<RedisValue> reply) mutable {
        if (!reply.ok()) {
          std::move(done)(reply.status());
          return;
        }
        if (reply->elements.size() != 4) {
          std::move(done)(Malformed("summary reply"));
          return;
        }
        QueueSummary summary;
        summary.pending = reply->elements[0].integer;
        summary.flagged = reply->elements[1].integer;
        for (std::size_t i = 2; i < 4; ++i) {
          const std::string& position = reply->elements[i].string;
          if (IsWellFormedQueuePosition(position)) {
            const absl::Time created = CommentIdTime(absl::string_view(position).substr(1));
            summary.oldest = summary.oldest ? std::min(*summary.oldest, created) : created;
          }
        }
        std::move(done)(summary);
      });
}

}  // namespace moderation::comments
