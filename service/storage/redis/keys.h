#pragma once

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

// The whole Redis key scheme (also in docs/redis-keys.md). Keys of one multi-key
// operation share a hash tag ({...}) so that the same code runs on Redis
// Cluster. Nothing here holds personal data in clear: keys derived from phones,
// IPs or client tokens use keyed hashes (HMAC-SHA-256, hex).
namespace moderation::redis::keys {

// Captcha answer digest, one key per captcha, expiring with it.
inline std::string Captcha(absl::string_view captcha_id) {
  return absl::StrCat("mod:captcha:{", captcha_id, "}");
}

// The one use of an ALTCHA proof of work, by its challenge (a hash of random
// bytes, no personal data), expiring with it.
inline std::string ProofOfWork(absl::string_view challenge) {
  return absl::StrCat("mod:pow:{", challenge, "}");
}

// A source's recent refusals, which raise its proof of work's cost:
// "<score>|<unix ms>". All share the tag {pc}, so that one MGET reads the
// sources of a request; `source` is "ip:", "net:" or "phone:" and a keyed hash.
inline std::string PowCost(absl::string_view source) { return absl::StrCat("mod:{pc}:", source); }

// Comments, the pending queue, the approved lists and idempotency records are
// changed together by scripts, so they share the tag {c}.
inline constexpr absl::string_view kCommentPrefix = "mod:{c}:comment:";
inline constexpr absl::string_view kApprovedPrefix = "mod:{c}:approved:";

// Hash: one comment's fields (see RedisCommentRepository).
inline std::string Comment(absl::string_view comment_id) {
  return absl::StrCat(kCommentPrefix, comment_id);
}

// Sorted set, all scores 0, members queue positions ("0" flagged or "1",
// then the comment id): pending comments, flagged first, each in id (= time)
// order.
inline std::string PendingQueue() { return "mod:{c}:pending"; }

// Sorted set as above: the approved comments of one article.
inline std::string Approved(absl::string_view article_id) {
  return absl::StrCat(kApprovedPrefix, article_id);
}

// Integer: raised whenever any article's approved list changes (an approval,
// an approval undone), so that replicas know when their cached feeds are stale.
inline std::string ApprovedVersion() { return "mod:{c}:approved-version"; }

// String: the answer given to the first submission with this idempotency key.
inline std::string Idempotency(absl::string_view key_digest_hex) {
  return absl::StrCat("mod:{c}:idem:", key_digest_hex);
}

// Sorted set: the ids of one author's comments, scored by creation time (ms).
// The author key is a keyed hash ("ph-<hex>" of the phone, "ip-<hex>" of the
// address; see comments::PhoneAuthorKey), never the number or address.
inline std::string AuthorIndex(absl::string_view author_key) {
  return absl::StrCat("mod:{c}:author:", author_key);
}

// String: "<moderator> <session>" of the moderator reviewing a pending
// comment, expiring with the claim.
inline constexpr absl::string_view kClaimPrefix = "mod:{c}:claim:";
inline std::string Claim(absl::string_view comment_id) {
  return absl::StrCat(kClaimPrefix, comment_id);
}

// String: the id of a moderator's last decision, expiring when it can no
// longer be undone.
inline std::string LastDecision(absl::string_view moderator) {
  return absl::StrCat("mod:{c}:last-decision:", moderator);
}

// The audit log shares the tag {c}, so that a decision and its entry are
// written by one script.
// Stream: the entries, each with its HMAC chained to the one before.
inline std::string AuditLog() { return "mod:{c}:audit"; }
// String: "<sequence> <hmac hex>" of the last entry, the chain's head; appends
// are compare-and-set on it.
inline std::string AuditHead() { return "mod:{c}:audit:head"; }
// List: the stream ids of the entries about one comment, oldest first.
inline std::string AuditByComment(absl::string_view comment_id) {
  return absl::StrCat("mod:{c}:audit:comment:", comment_id);
}

// Bans and their index share the tag {b}, so that one MGET checks every ban
// that could apply to a submission.
// String: one ban (see bans::EncodeBan), expiring with it.
inline std::string Ban(absl::string_view ban_id) { return absl::StrCat("mod:{b}:ban:", ban_id); }
inline constexpr absl::string_view kBanPrefix = "mod:{b}:ban:";
// Sorted set: ban ids scored by creation time (ms).
inline std::string BanIndex() { return "mod:{b}:bans"; }

// String: a rate limit's "theoretical arrival time" (GCRA), in microseconds of
// Redis time, for one rule and subject ("submit_ip:<hmac>"). Expires when the
// subject is back to a full burst.
inline std::string RateLimit(absl::string_view rule_and_subject) {
  return absl::StrCat("mod:rl:{", rule_and_subject, "}");
}

// The memory of recent comment bodies for the spam rules shares the tag {s}.
// Hash: the bodies and SimHash bands seen in one period of `period_ms` (the
// longer spam window), numbered from the epoch; the layout is in
// spam/redis_spam_memory.h. Expires one period after its own ends.
inline std::string SpamMemory(int64_t period_ms, int64_t period) {
  return absl::StrCat("mod:{s}:memory:", period_ms, ":", period);
}

// Stream: the learned spam filter's lessons (label and features, never the
// text), applied in order by every replica.
inline std::string SpamLessons() { return "mod:spam:lessons"; }
// String: "<last lesson id> <serialised model>", the starting point for a
// replica that starts later.
inline std::string SpamModel() { return "mod:spam:model"; }

}  // namespace moderation::redis::keys
