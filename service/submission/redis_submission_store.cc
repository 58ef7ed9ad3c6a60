#include "service/submission/redis_submission_store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "service/captcha/redis_captcha_store.h"
#include "service/comments/redis_comment_repository.h"
#include "service/ratelimit/redis_limit_store.h"
#include "service/spam/redis_spam_memory.h"
#include "service/storage/redis/keys.h"
#include "service/storage/redis/script_plan.h"

namespace moderation::submission {
namespace {

using redis::RedisScript;
using redis::RedisValue;

// The script reads one plan, JSON in ARGV[1], whose parts are named (below),
// and the answer's digest in ARGV[2] (bytes, which JSON does not carry); KEYS
// lists every key the plan names, for Redis's own checks, in no order the
// script relies on. It answers {JSON, the stored digest or nil}; the JSON:
//   {"prior": "<first attempt's record>"} for a retry (nothing done), or
//   {"captcha": "taken" | "missing" | "used", "banned", "copies",
//    "near_authors", "stored", "limits": [[allowed, wait µs], ...],
//    "proof_of_work_fresh"}.
//
// The plan (SubmissionPlan, as PlanOf writes it):
//   idempotency {key, value, ttl_s}       absent without an idempotency key
//   captcha {key}                         (the answer's digest: ARGV[2])
//   proof_of_work {key, ttl_ms}           absent when none is asked
//   limits [{key, interval_us, tolerance_us, shadow, counts_wrong_answers}]
//   bans [key]
//   memory {spam step (SpamMemoryPlan), repeat_eligible, near_min}  optional
//   comment {key, queue, authors [key], id, created_ms, fields [f, v, ...]}
//   verdicts {nothing | repeat | near_duplicate: {action, position, fields}}
//
// The gate (a right answer, a fresh proof of work, no limit refusing, no ban)
// and the choice of verdict are each one statement below; the composed store
// (composed_submission_store.cc), for limits kept in a Redis of their own,
// applies the same rule with spam::FindingOf.
const RedisScript& SubmitScript() {
  static const auto* script =
      new RedisScript(absl::StrCat(captcha::CaptchaTakeLua(), ratelimit::GcraLua(),
                                   spam::SpamMemoryLua(), comments::CommentEnqueueLua(), R"lua(
local plan = cjson.decode(ARGV[1])

-- A retry gets the first attempt's answer and changes nothing.
local idem = plan.idempotency
if idem then
  local prior = redis.call('GET', idem.key)
  if prior then return {cjson.encode({prior = prior})} end
end

local captcha = captcha_take(plan.captcha.key)
local captcha_right = captcha_matches(captcha, ARGV[2])

-- Every limit is checked before any is recorded: a refused comment costs its
-- subjects nothing. A limit on wrong answers counts a wrong answer; every
-- other limit counts only a comment whose answer was right, so that a reader
-- who mistypes does not spend their submissions.
local now_us = gcra_now()  -- one clock reading for the whole submission
local limits, limit_results, commits, limits_allow = plan.limits, {}, {}, true
if #limits > 0 then
  local limit_keys = {}
  for i, limit in ipairs(limits) do limit_keys[i] = limit.key end
  local stored = redis.call('MGET', unpack(limit_keys))
  for i, limit in ipairs(limits) do
    local allowed, wait, new_tat, ttl = gcra_decide(stored[i], limit.interval_us,
                                                    limit.tolerance_us, now_us)
    limit_results[i] = {allowed and 1 or 0, wait}
    if allowed then
      if limit.counts_wrong_answers ~= captcha_right then
        commits[#commits + 1] = {limit.key, new_tat, ttl}
      end
    elseif not limit.shadow then
      limits_allow = false
    end
  end
end
if limits_allow then
  for _, c in ipairs(commits) do gcra_commit(c[1], c[2], c[3]) end
end

local banned = #plan.bans > 0 and redis.call('EXISTS', unpack(plan.bans)) > 0

local copies, near, memory, memory_state = 0, 0, nil, nil
if plan.memory then
  memory = spam_step(plan.memory)
  memory_state = spam_read(memory)
  copies, near = spam_recall(memory, memory_state)
end

-- Proof of work (ALTCHA): used up by any attempt, like the captcha.
local pow_fresh = true
if plan.proof_of_work then
  pow_fresh = redis.call('SET', plan.proof_of_work.key, '1', 'NX', 'PX',
                         plan.proof_of_work.ttl_ms) ~= false
end

local stored = false
if captcha_right and pow_fresh and limits_allow and not banned then
  if memory then spam_remember(memory, memory_state) end
  local verdict, count = plan.verdicts.nothing, 0
  if plan.memory and plan.memory.repeat_eligible and copies > 0 then
    verdict, count = plan.verdicts['repeat'], copies + 1
  elseif memory and #memory.fields > 1 and near >= plan.memory.near_min then
    verdict, count = plan.verdicts.near_duplicate, near
  end
  if verdict.action ~= 'reject' then
    local c = plan.comment
    local fields = c.fields
    for _, f in ipairs(verdict.fields) do
      fields[#fields + 1] = (string.gsub(f, '\1', tostring(count)))
    end
    comment_enqueue(c.key, c.queue, c.authors, verdict.position, c.created_ms, c.id, fields, 1)
    if idem then redis.call('SET', idem.key, idem.value, 'EX', idem.ttl_s) end
    stored = true
  end
end

local taken = type(captcha) == 'string'
local outcome = taken and 'taken' or (captcha == 1 and 'used' or 'missing')
return {cjson.encode({captcha = outcome, banned = banned, copies = copies, near_authors = near,
                      stored = stored, limits = limit_results, proof_of_work_fresh = pow_fresh}),
        taken and captcha or false}
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

void WriteVerdict(const std::string& comment_id, const StoredVerdict& verdict,
                  redis::ScriptPlan& out) {
  const bool flagged = verdict.action == spam::SpamAction::kFlag;
  std::vector<std::string> fields;
  comments::AppendSpamFields(verdict.score, flagged, verdict.signals, fields);
  out.Object();
  out.Key("action").String(ActionName(verdict.action));
  out.Key("position").String(comments::QueuePosition(comment_id, flagged));
  out.Key("fields").Strings(fields);
  out.End();
}

// Writes a key the plan names, and lists it in KEYS.
void WriteKey(std::string key, redis::ScriptPlan& out, std::vector<std::string>& keys) {
  out.String(key);
  keys.push_back(std::move(key));
}

// The plan as the script reads it; `keys` receives every key it names.
std::string PlanOf(const SubmissionPlan& plan, std::vector<std::string>& keys) {
  const comments::Comment& comment = plan.comment;
  redis::ScriptPlan out;
  out.Object();
  if (plan.idempotency) {
    out.Key("idempotency").Object();
    WriteKey(redis::keys::Idempotency(plan.idempotency->key_digest), out.Key("key"), keys);
    out.Key("value").String(comments::IdempotencyValue(comment.id, plan.idempotency->fingerprint));
    out.Key("ttl_s").Int(std::max<int64_t>(1, absl::ToInt64Seconds(plan.idempotency->ttl)));
    out.End();
  }
  out.Key("captcha").Object();
  WriteKey(redis::keys::Captcha(plan.captcha.captcha_id), out.Key("key"), keys);
  out.End();
  if (plan.proof_of_work) {
    out.Key("proof_of_work").Object();
    WriteKey(redis::keys::ProofOfWork(plan.proof_of_work->challenge), out.Key("key"), keys);
    out.Key("ttl_ms").Int(std::max<int64_t>(1, absl::ToInt64Milliseconds(plan.proof_of_work->ttl)));
    out.End();
  }
  out.Key("limits").Array();
  for (std::size_t i = 0; i < plan.limits.size(); ++i) {
    const ratelimit::GcraCheck& check = plan.limits[i];
    // Whole microseconds, at least one: a rate above a million a second is
    // as good as none.
    const int64_t interval =
        std::max<int64_t>(1, absl::ToInt64Microseconds(check.emission_interval));
    out.Object();
    WriteKey(redis::keys::RateLimit(check.key), out.Key("key"), keys);
    out.Key("interval_us").Int(interval);
    out.Key("tolerance_us").Int(interval * check.burst);
    out.Key("shadow").Bool(i < plan.limit_shadow.size() && plan.limit_shadow[i]);
    out.Key("counts_wrong_answers")
        .Bool(i < plan.limit_counts_wrong_answers.size() && plan.limit_counts_wrong_answers[i]);
    out.End();
  }
  out.End();
  out.Key("bans").Array();
  for (const std::string& ban_id : plan.ban_ids) {
    WriteKey(redis::keys::Ban(ban_id), out, keys);
  }
  out.End();
  if (plan.body) {
    const spam::SpamMemoryStep step = spam::SpamMemoryStepFor(*plan.body, comment.create_time);
    keys.insert(keys.end(), step.keys.begin(), step.keys.end());
    out.Key("memory").Object();
    spam::WriteSpamMemoryStep(step, out);
    out.Key("repeat_eligible").Bool(plan.repeat_eligible);
    out.Key("near_min").Int(plan.near_duplicate_min_authors);
    out.End();
  }
  out.Key("comment").Object();
  WriteKey(redis::keys::Comment(comment.id), out.Key("key"), keys);
  WriteKey(redis::keys::PendingQueue(), out.Key("queue"), keys);
  out.Key("authors").Array();
  for (std::string& key : comments::AuthorIndexKeys(comment)) {
    WriteKey(std::move(key), out, keys);
  }
  out.End();
  out.Key("id").String(comment.id);
  out.Key("created_ms").Int(absl::ToUnixMillis(comment.create_time));
  out.Key("fields").Strings(comments::CommentHashFields(comment));
  out.End();
  out.Key("verdicts").Object();
  WriteVerdict(comment.id, plan.if_nothing, out.Key("nothing"));
  WriteVerdict(comment.id, plan.if_repeat, out.Key("repeat"));
  WriteVerdict(comment.id, plan.if_near_duplicate, out.Key("near_duplicate"));
  out.End();
  out.End();
  return std::move(out).Take();
}

absl::StatusOr<SubmissionReply> ReplyFrom(const RedisValue& value, std::size_t limit_count) {
  if (value.type != RedisValue::Type::kArray || value.elements.empty() ||
      value.elements[0].type != RedisValue::Type::kString) {
    return Malformed();
  }
  const nlohmann::json answer = nlohmann::json::parse(value.elements[0].string, nullptr, false);
  if (!answer.is_object()) {
    return Malformed();
  }
  SubmissionReply reply;
  if (const auto prior = answer.find("prior"); prior != answer.end()) {
    reply.prior = prior->is_string() ? comments::ParsePriorSubmission(prior->get<std::string>())
                                     : std::nullopt;
    if (!reply.prior) {
      return Malformed();
    }
    return reply;
  }
  const auto captcha = answer.find("captcha");
  const auto limits = answer.find("limits");
  // Every field present and of its type, or the answer is not trusted: a
  // default would fail open (a ban read as none).
  const auto is = [&answer](const char* name, auto check) {
    const auto it = answer.find(name);
    return it != answer.end() && check(*it);
  };
  const auto boolean = [](const nlohmann::json& v) { return v.is_boolean(); };
  const auto number = [](const nlohmann::json& v) { return v.is_number_integer(); };
  if (captcha == answer.end() || !captcha->is_string() || limits == answer.end() ||
      !is("banned", boolean) || !is("copies", number) || !is("near_authors", number) ||
      !is("stored", boolean) || !is("proof_of_work_fresh", boolean)) {
    return Malformed();
  }
  // An empty Lua table encodes as {}: no limits.
  const std::size_t answered = limits->is_array() ? limits->size() : 0;
  if (answered != limit_count) {
    return Malformed();
  }
  const std::string outcome = captcha->get<std::string>();
  if (outcome == "taken") {
    if (value.elements.size() != 2 || value.elements[1].type != RedisValue::Type::kString) {
      return Malformed();
    }
    reply.captcha.outcome = captcha::TakeOutcome::kTaken;
    reply.captcha.answer_digest = value.elements[1].string;
  } else if (outcome == "used") {
    reply.captcha.outcome = captcha::TakeOutcome::kAlreadyUsed;
  } else if (outcome == "missing") {
    reply.captcha.outcome = captcha::TakeOutcome::kMissing;
  } else {
    return Malformed();
  }
  reply.banned = answer["banned"].get<bool>();
  reply.recollection.earlier_copies = answer["copies"].get<int64_t>();
  reply.recollection.near_duplicate_authors = answer["near_authors"].get<int>();
  reply.stored = answer["stored"].get<bool>();
  reply.proof_of_work_reused = !answer["proof_of_work_fresh"].get<bool>();
  for (std::size_t i = 0; i < answered; ++i) {
    const nlohmann::json& result = (*limits)[i];
    if (!result.is_array() || result.size() != 2 || !result[0].is_number() ||
        !result[1].is_number()) {
      return Malformed();
    }
    reply.limits.push_back(
        ratelimit::GcraResult{.allowed = result[0].get<int64_t>() == 1,
                              .retry_after = absl::Microseconds(result[1].get<int64_t>())});
  }
  return reply;
}

}  // namespace

RedisSubmissionStore::RedisSubmissionStore(redis::RedisClient& client) : client_(client) {}

void RedisSubmissionStore::Commit(
    SubmissionPlan plan, absl::AnyInvocable<void(absl::StatusOr<SubmissionReply>) &&> done) {
  std::vector<std::string> keys;
  keys.reserve(10 + plan.limits.size() + plan.ban_ids.size());
  std::string encoded = PlanOf(plan, keys);
  client_.EvalScript(SubmitScript(), std::move(keys),
                     {std::move(encoded), std::move(plan.captcha.answer_digest)},
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
