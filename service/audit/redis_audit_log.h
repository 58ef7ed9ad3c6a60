#pragma once

#include <functional>
#include <string>
#include <vector>

#include "service/audit/audit_log.h"
#include "service/storage/redis/redis_client.h"

namespace moderation::audit {

// The audit log in Redis: a stream of entries (Redis-time ids, so time ranges
// are id ranges), the chain's head in a string, and per comment a list of its
// entries' ids (see storage/redis/keys.h). An append is one script that
// checks the head it was sealed against, adds the entry and moves the head:
// compare-and-set, so that replicas appending at once never fork the chain.
class RedisAuditLog final : public AuditLog {
 public:
  RedisAuditLog(redis::RedisClient& client, AuditChain& chain);

  void Append(Event event, Callback<Entry> done) override;
  void List(Query query, Callback<Page> done) override;
  void ForComment(const std::string& comment_id, Callback<std::vector<Entry>> done) override;
  void Verify(Callback<Verification> done) override;
  void Since(absl::Time start, int max_entries, Callback<Recent> done) override;

 private:
  redis::RedisClient& client_;
  AuditChain& chain_;
};

// For scripts elsewhere that append an entry in the same step as their own
// change (a decision and its entry are one script). Such a script starts
// with AuditLuaFunctions(), takes AppendArguments(entry) at the end of its
// ARGV, calls `audit_stale(head_key, ARGV[from])` before changing anything,
// answering {-1, head} when it returns a head, and then
// `audit_append(stream_key, head_key, comment_index_key_or_nil, from)`.
[[nodiscard]] absl::string_view AuditLuaFunctions();
[[nodiscard]] std::vector<std::string> AppendArguments(const Entry& entry);

// Seals `event`, sends it with `send`, and when the reply reports a moved
// head ({-1, head}) takes that head and seals and sends again (up to 64
// times; then ABORTED with reason AUDIT_BUSY). `done` gets the other reply
// and the entry it carried. The caller calls chain.Appended(entry) once it
// knows the entry was written.
using SendSealed = std::function<void(const Entry& entry, redis::ReplyCallback done)>;
void SendWithAuditEntry(AuditChain& chain, Event event, SendSealed send,
                        absl::AnyInvocable<void(absl::StatusOr<redis::RedisValue>, Entry) &&> done);

// An entry from the fields of a stream entry; nullopt when malformed.
[[nodiscard]] std::optional<Entry> EntryFromStream(const redis::RedisValue& stream_entry);

}  // namespace moderation::audit
