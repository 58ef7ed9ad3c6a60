#include "service/comments/redis_comment_repository.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "service/common/errors.h"
#include "service/storage/redis/keys.h"

namespace moderation::comments {
namespace {

using redis::RedisScript;
using redis::RedisValue;

// KEYS: comment hash, pending set[, idempotency key]. ARGV: id, idempotency
// value, idempotency ttl (s), queue position, then the hash's field/value pairs.
// Returns {1, id} when stored, {0, prior value} when the key was used before.
const RedisScript& EnqueueScript() {
  static const auto* script = new RedisScript(R"lua(
if KEYS[3] then
  local prior = redis.call('GET', KEYS[3])
  if prior then return {0, prior} end
end
redis.call('HSET', KEYS[1], unpack(ARGV, 5))
redis.call('ZADD', KEYS[2], 0, ARGV[4])
if KEYS[3] then redis.call('SET', KEYS[3], ARGV[2], 'EX', ARGV[3]) end
return {1, ARGV[1]}
)lua",
                                              redis::WriteAck::kReplicated);
  return *script;
}

// KEYS: comment hash, pending set. ARGV: id, new status, decided_ms,
// moderator, reason, note, approved-list key prefix. The approved list's key
// depends on the stored article, so it is built here; it shares the {c} tag.
// Returns {0} when missing, {2, fields} when not pending, {1, fields} when done.
const RedisScript& DecideScript() {
  static const auto* script = new RedisScript(R"lua(
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return {0} end
if status ~= 'pending' then return {2, redis.call('HGETALL', KEYS[1])} end
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'decided_ms', ARGV[3], 'decided_by', ARGV[4])
if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'reason', ARGV[5]) end
if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'note', ARGV[6]) end
redis.call('ZREM', KEYS[2], '0' .. ARGV[1], '1' .. ARGV[1])
if ARGV[2] == 'approved' then
  local article = redis.call('HGET', KEYS[1], 'article_id')
  redis.call('ZADD', ARGV[7] .. article, 0, ARGV[1])
end
return {1, redis.call('HGETALL', KEYS[1])}
)lua",
                                              redis::WriteAck::kReplicated);
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

std::vector<std::string> FieldsOf(const Comment& comment) {
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
  if (!comment.user_agent.empty()) {
    fields.insert(fields.end(), {"ua", comment.user_agent});
  }
  if (comment.spam_score != 0) {
    fields.insert(fields.end(), {"score", absl::StrCat(comment.spam_score)});
  }
  if (comment.flagged) {
    fields.insert(fields.end(), {"flagged", "1"});
  }
  if (!comment.spam_signals.empty()) {
    fields.insert(fields.end(), {"signals", EncodeSignals(comment.spam_signals)});
  }
  return fields;
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

}  // namespace

RedisCommentRepository::RedisCommentRepository(redis::RedisClient& client) : client_(client) {}

void RedisCommentRepository::Enqueue(Comment comment, std::optional<IdempotencyRecord> idempotency,
                                     Callback<EnqueueResult> done) {
  std::vector<std::string> keys = {redis::keys::Comment(comment.id), redis::keys::PendingQueue()};
  std::vector<std::string> args = {comment.id, "", "0", QueuePosition(comment.id, comment.flagged)};
  if (idempotency) {
    keys.push_back(redis::keys::Idempotency(idempotency->key_digest));
    args[1] = absl::StrCat(comment.id, " ", idempotency->fingerprint);
    args[2] = absl::StrCat(std::max<int64_t>(1, absl::ToInt64Seconds(idempotency->ttl)));
  }
  std::vector<std::string> fields = FieldsOf(comment);
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

void RedisCommentRepository::ListPending(const std::string& after_id, int limit,
                                         Callback<CommentPage> done) {
  client_.EvalScript(ListScript(), {redis::keys::PendingQueue()},
                     {after_id.empty() ? "-" : absl::StrCat("(", after_id), absl::StrCat(limit + 1),
                      std::string(redis::keys::kCommentPrefix), "0", "1"},
                     [limit, done = std::move(done)](absl::StatusOr<RedisValue> reply) mutable {
                       if (!reply.ok()) {
                         std::move(done)(reply.status());
                         return;
                       }
                       absl::StatusOr<CommentPage> page = PageFromReply(*reply, limit);
                       if (page.ok() && !page->next_cursor.empty()) {
                         const Comment& last = page->comments.back();
                         page->next_cursor = QueuePosition(last.id, last.flagged);
                       }
                       std::move(done)(std::move(page));
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
  };
  client_.EvalScript(
      DecideScript(), {redis::keys::Comment(comment_id), redis::keys::PendingQueue()},
      std::move(args),
      [comment_id, done = std::move(done)](absl::StatusOr<RedisValue> reply) mutable {
        if (!reply.ok()) {
          std::move(done)(reply.status());
          return;
        }
        if (reply->elements.empty()) {
          std::move(done)(Malformed("decide reply"));
          return;
        }
        const int64_t outcome = reply->elements[0].integer;
        if (outcome == 0) {
          std::move(done)(CommentNotFound(comment_id));
          return;
        }
        if (reply->elements.size() != 2) {
          std::move(done)(Malformed("decide reply"));
          return;
        }
        absl::StatusOr<Comment> comment = CommentFromFields(reply->elements[1]);
        if (!comment.ok()) {
          std::move(done)(comment.status());
          return;
        }
        if (outcome == 2) {
          std::move(done)(CommentNotPending(comment->status));
          return;
        }
        std::move(done)(std::move(comment));
      });
}

}  // namespace moderation::comments
