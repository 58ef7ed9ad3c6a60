#include "service/submission/redis_submission_store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "service/captcha/redis_captcha_store.h"
#include "service/comments/redis_comment_repository.h"
#include "service/ratelimit/redis_limit_store.h"
#include "service/spam/redis_spam_memory.h"
#include "service/storage/redis/keys.h"

namespace moderation::submission {
namespace {

using redis::RedisScript;
using redis::RedisValue;

// KEYS: the captcha, the idempotency record (when given), the limits, the
// bans, the body counter and band sets (when recalled), the comment, the
// pending queue, the authors' histories.
// ARGV, read in order: whether there is an idempotency record; how many
// limits, bans, memory keys, author keys; the idempotency value and ttl (s);
// the answer's digest; per limit: interval (µs), tolerance (µs), shadow,
// counts wrong answers ('1': counted when the answer is wrong; '0': when it
// is right);
// for the memory: repeat and near windows (ms), SimHash, author, max distance,
// band member, band capacity, whether the body may count as a repeat, the
// other authors that make a near-duplicate; the comment id and creation time
// (ms); three verdicts (nothing recalled, a repeat, a near-duplicate), each:
// action, queue position, field count, fields; the proof of work's ttl (ms, 0
// for none; its key is the last); then the comment's own fields.
// Returns {0, prior answer} for a retry (nothing done), else {1, captcha
// (0 missing, 1 used, or the stored digest), banned, copies, other authors,
// stored, then per limit: allowed, wait (µs); then whether the proof of work
// was fresh (1) or used before (0)}.
const RedisScript& SubmitScript() {
  static const auto* script =
      new RedisScript(absl::StrCat(captcha::CaptchaTakeLua(), ratelimit::GcraLua(),
                                   spam::SpamMemoryLua(), comments::CommentEnqueueLua(), R"lua(
local k, a = 0, 0
local function key() k = k + 1 return KEYS[k] end
local function arg() a = a + 1 return ARGV[a] end
local function keys(n)
  local out = {}
  for i = 1, n do out[i] = key() end
  return out
end

local has_idem = arg() == '1'
local n_limits = tonumber(arg())
local n_bans = tonumber(arg())
local has_memory = arg() == '1'
local n_authors = tonumber(arg())
local idem_value = arg()
local idem_ttl = arg()
local answer_digest = arg()

local captcha_key = key()
local idem_key = nil
if has_idem then idem_key = key() end

-- A retry gets the first attempt's answer and changes nothing.
if idem_key then
  local prior = redis.call('GET', idem_key)
  if prior then return {0, prior} end
end

local captcha = captcha_take(captcha_key)
local captcha_right = captcha == answer_digest

-- Every limit is checked before any is recorded: a refused comment costs its
-- subjects nothing. A limit on wrong answers counts a wrong answer; every
-- other limit counts only a comment whose answer was right, so that a reader
-- who mistypes does not spend their submissions.
local limit_keys = keys(n_limits)
local now_us = gcra_now()  -- one clock reading for the whole submission
local limit_results, commits, limits_allow = {}, {}, true
local stored_limits = n_limits > 0 and redis.call('MGET', unpack(limit_keys)) or {}
for i = 1, n_limits do
  local interval = tonumber(arg())
  local tolerance = tonumber(arg())
  local shadow = arg() == '1'
  local counts_wrong = arg() == '1'
  local allowed, wait, new_tat, ttl = gcra_decide(stored_limits[i], interval, tolerance, now_us)
  limit_results[#limit_results + 1] = allowed and 1 or 0
  limit_results[#limit_results + 1] = wait
  if allowed then
    if counts_wrong ~= captcha_right then commits[#commits + 1] = {limit_keys[i], new_tat, ttl} end
  elseif not shadow then
    limits_allow = false
  end
end
if limits_allow then
  for _, c in ipairs(commits) do gcra_commit(c[1], c[2], c[3]) end
end

local banned = 0
if n_bans > 0 and redis.call('EXISTS', unpack(keys(n_bans))) > 0 then banned = 1 end

local copies, near = 0, 0
local memory, memory_state
local repeat_eligible, near_min = false, 1
if has_memory then
  memory = spam_args(arg, keys(2))
  repeat_eligible = arg() == '1'
  near_min = tonumber(arg())
  memory_state = spam_read(memory)
  copies, near = spam_recall(memory, memory_state)
end

local comment_key = key()
local pending_key = key()
local author_keys = keys(n_authors)
local id = arg()
local created_ms = arg()
local verdicts = {}
for i = 1, 3 do
  local verdict = {action = arg(), position = arg(), fields = {}}
  for j = 1, tonumber(arg()) do verdict.fields[j] = arg() end
  verdicts[i] = verdict
end

-- Proof of work (ALTCHA): the last key and the ARGV after the verdicts; a
-- ttl of 0 means none was asked. Used up by any attempt, like the captcha.
local pow_fresh = true
local pow_ttl = arg()
if pow_ttl ~= '0' then
  pow_fresh = redis.call('SET', key(), '1', 'NX', 'PX', pow_ttl) ~= false
end

local stored = 0
if captcha_right and pow_fresh and limits_allow and banned == 0 then
  if has_memory then spam_remember(memory, memory_state) end
  local verdict, count = verdicts[1], 0
  if repeat_eligible and copies > 0 then
    verdict, count = verdicts[2], copies + 1
  elseif has_memory and #memory.fields > 1 and near >= near_min then
    verdict, count = verdicts[3], near
  end
  if verdict.action ~= 'reject' then
    local fields = {}
    for i = a + 1, #ARGV do fields[#fields + 1] = ARGV[i] end
    for _, f in ipairs(verdict.fields) do
      fields[#fields + 1] = (string.gsub(f, '\1', tostring(count)))
    end
    comment_enqueue(comment_key, pending_key, author_keys, verdict.position, created_ms, id,
                    fields, 1)
    if idem_key then redis.call('SET', idem_key, idem_value, 'EX', idem_ttl) end
    stored = 1
  end
end

local out = {1, captcha, banned, copies, near, stored}
for _, r in ipairs(limit_results) do out[#out + 1] = r end
out[#out + 1] = pow_fresh and 1 or 0
return out
)lua"),
                      redis::WriteAck::kReplicated);
  return *script;
}

absl::Status Malformed() { return absl::DataLossError("malformed submission reply from Redis"); }

std::string_view ActionName(spam::SpamAction action) {
  switch (action) {
    case spam::SpamAction::kQueue:
      return "queue";
    case spam::SpamAction::kFlag:
      return "flag";
    case spam::SpamAction::kReject:
      return "reject";
  }
  return "reject";
}

void AppendVerdict(const std::string& comment_id, const StoredVerdict& verdict,
                   std::vector<std::string>& args) {
  const bool flagged = verdict.action == spam::SpamAction::kFlag;
  std::vector<std::string> fields;
  comments::AppendSpamFields(verdict.score, flagged, verdict.signals, fields);
  args.emplace_back(ActionName(verdict.action));
  args.push_back(comments::QueuePosition(comment_id, flagged));
  args.push_back(absl::StrCat(fields.size()));
  for (std::string& field : fields) {
    args.push_back(std::move(field));
  }
}

absl::StatusOr<SubmissionReply> ReplyFrom(const RedisValue& value, std::size_t limit_count) {
  if (value.type != RedisValue::Type::kArray || value.elements.size() < 2) {
    return Malformed();
  }
  SubmissionReply reply;
  if (value.elements[0].integer == 0) {
    reply.prior = comments::ParsePriorSubmission(value.elements[1].string);
    if (!reply.prior) {
      return Malformed();
    }
    return reply;
  }
  if (value.elements.size() != 7 + 2 * limit_count) {
    return Malformed();
  }
  const RedisValue& captcha = value.elements[1];
  if (captcha.type == RedisValue::Type::kString) {
    reply.captcha.outcome = captcha::TakeOutcome::kTaken;
    reply.captcha.answer_digest = captcha.string;
  } else {
    reply.captcha.outcome =
        captcha.integer == 1 ? captcha::TakeOutcome::kAlreadyUsed : captcha::TakeOutcome::kMissing;
  }
  reply.banned = value.elements[2].integer == 1;
  reply.recollection.earlier_copies = value.elements[3].integer;
  reply.recollection.near_duplicate_authors = static_cast<int>(value.elements[4].integer);
  reply.stored = value.elements[5].integer == 1;
  for (std::size_t i = 0; i < limit_count; ++i) {
    reply.limits.push_back(ratelimit::GcraResult{
        .allowed = value.elements[6 + 2 * i].integer == 1,
        .retry_after = absl::Microseconds(value.elements[7 + 2 * i].integer)});
  }
  reply.proof_of_work_reused = value.elements[6 + 2 * limit_count].integer == 0;
  return reply;
}

}  // namespace

RedisSubmissionStore::RedisSubmissionStore(redis::RedisClient& client) : client_(client) {}

void RedisSubmissionStore::Commit(
    SubmissionPlan plan, absl::AnyInvocable<void(absl::StatusOr<SubmissionReply>) &&> done) {
  const comments::Comment& comment = plan.comment;
  std::vector<std::string> author_keys = comments::AuthorIndexKeys(comment);
  std::optional<spam::SpamMemoryStep> memory;
  if (plan.body) {
    memory = spam::SpamMemoryStepFor(*plan.body, comment.create_time);
  }

  std::vector<std::string> keys;
  keys.reserve(7 + plan.limits.size() + plan.ban_ids.size() + author_keys.size());
  keys.push_back(redis::keys::Captcha(plan.captcha.captcha_id));
  if (plan.idempotency) {
    keys.push_back(redis::keys::Idempotency(plan.idempotency->key_digest));
  }
  for (const ratelimit::GcraCheck& check : plan.limits) {
    keys.push_back(redis::keys::RateLimit(check.key));
  }
  for (const std::string& ban_id : plan.ban_ids) {
    keys.push_back(redis::keys::Ban(ban_id));
  }
  if (memory) {
    for (std::string& key : memory->keys) {
      keys.push_back(std::move(key));
    }
  }
  keys.push_back(redis::keys::Comment(comment.id));
  keys.push_back(redis::keys::PendingQueue());
  for (std::string& key : author_keys) {
    keys.push_back(std::move(key));
  }
  if (plan.proof_of_work) {
    keys.push_back(redis::keys::ProofOfWork(plan.proof_of_work->challenge));
  }

  std::vector<std::string> args = {
      plan.idempotency ? "1" : "0",
      absl::StrCat(plan.limits.size()),
      absl::StrCat(plan.ban_ids.size()),
      memory ? "1" : "0",
      absl::StrCat(author_keys.size()),
      plan.idempotency ? comments::IdempotencyValue(comment.id, plan.idempotency->fingerprint) : "",
      plan.idempotency
          ? absl::StrCat(std::max<int64_t>(1, absl::ToInt64Seconds(plan.idempotency->ttl)))
          : "0",
      plan.captcha.answer_digest,
  };
  for (std::size_t i = 0; i < plan.limits.size(); ++i) {
    const ratelimit::GcraCheck& check = plan.limits[i];
    // Whole microseconds, at least one: a rate above a million a second is
    // as good as none.
    const int64_t interval =
        std::max<int64_t>(1, absl::ToInt64Microseconds(check.emission_interval));
    const bool shadow = i < plan.limit_shadow.size() && plan.limit_shadow[i];
    args.push_back(absl::StrCat(interval));
    args.push_back(absl::StrCat(interval * check.burst));
    args.push_back(shadow ? "1" : "0");
    args.push_back(i < plan.limit_counts_wrong_answers.size() && plan.limit_counts_wrong_answers[i]
                       ? "1"
                       : "0");
  }
  if (memory) {
    spam::AppendSpamMemoryArgs(*memory, args);
    args.push_back(plan.repeat_eligible ? "1" : "0");
    args.push_back(absl::StrCat(plan.near_duplicate_min_authors));
  }
  args.push_back(comment.id);
  args.push_back(absl::StrCat(absl::ToUnixMillis(comment.create_time)));
  AppendVerdict(comment.id, plan.if_nothing, args);
  AppendVerdict(comment.id, plan.if_repeat, args);
  AppendVerdict(comment.id, plan.if_near_duplicate, args);
  args.push_back(plan.proof_of_work ? absl::StrCat(std::max<int64_t>(
                                          1, absl::ToInt64Milliseconds(plan.proof_of_work->ttl)))
                                    : "0");
  for (std::string& field : comments::CommentHashFields(comment)) {
    args.push_back(std::move(field));
  }

  client_.EvalScript(SubmitScript(), std::move(keys), std::move(args),
                     [limit_count = plan.limits.size(),
                      done = std::move(done)](absl::StatusOr<RedisValue> value) mutable {
                       if (!value.ok()) {
                         std::move(done)(value.status());
                         return;
                       }
                       std::move(done)(ReplyFrom(*value, limit_count));
                     });
}

}  // namespace moderation::submission
