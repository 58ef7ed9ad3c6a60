#include "service/rekey/redis_sealed_field_store.h"

#include <future>

#include "absl/strings/str_cat.h"
#include "service/common/status_macros.h"
#include "service/storage/redis/keys.h"

namespace moderation::rekey {
namespace {

constexpr char kPhoneField[] = "phone";

// Only the same sealed value may be replaced: a decision or an erasure that
// came in between wins.
const redis::RedisScript& SwapScript() {
  static const redis::RedisScript script(R"lua(
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
)lua",
                                         redis::WriteAck::kReplicated);
  return script;
}

absl::StatusOr<redis::RedisValue> Wait(const std::function<void(redis::ReplyCallback)>& send) {
  std::promise<absl::StatusOr<redis::RedisValue>> reply;
  std::future<absl::StatusOr<redis::RedisValue>> result = reply.get_future();
  send([&reply](absl::StatusOr<redis::RedisValue> value) mutable {
    reply.set_value(std::move(value));
  });
  return result.get();
}

}  // namespace

absl::StatusOr<ScanPage> RedisSealedPhoneStore::Scan(absl::string_view cursor, int count) {
  ASSIGN_OR_RETURN(redis::RedisValue scanned, Wait([&](redis::ReplyCallback done) {
                     client_.Execute({"SCAN", std::string(cursor), "MATCH",
                                      absl::StrCat(redis::keys::kCommentPrefix, "*"), "COUNT",
                                      std::to_string(count), "TYPE", "hash"},
                                     std::move(done));
                   }));
  if (scanned.type != redis::RedisValue::Type::kArray || scanned.elements.size() != 2) {
    return absl::InternalError("unexpected SCAN reply");
  }
  ScanPage page;
  page.next_cursor = scanned.elements[0].string;
  const std::vector<redis::RedisValue>& keys = scanned.elements[1].elements;
  if (keys.empty()) {
    return page;
  }
  std::vector<redis::Command> reads;
  reads.reserve(keys.size());
  for (const redis::RedisValue& key : keys) {
    reads.push_back({"HGET", key.string, kPhoneField});
  }
  std::promise<std::vector<absl::StatusOr<redis::RedisValue>>> replies;
  std::future<std::vector<absl::StatusOr<redis::RedisValue>>> result = replies.get_future();
  client_.ExecuteBatch(std::move(reads),
                       [&replies](std::vector<absl::StatusOr<redis::RedisValue>> values) mutable {
                         replies.set_value(std::move(values));
                       });
  std::vector<absl::StatusOr<redis::RedisValue>> phones = result.get();
  for (std::size_t i = 0; i < keys.size() && i < phones.size(); ++i) {
    if (!phones[i].ok()) {
      return phones[i].status();
    }
    if (!phones[i]->is_nil() && !phones[i]->string.empty()) {
      page.fields.push_back({keys[i].string, phones[i]->string});
    }
  }
  return page;
}

absl::StatusOr<bool> RedisSealedPhoneStore::CompareAndSwap(const SealedField& field,
                                                           absl::string_view replacement) {
  ASSIGN_OR_RETURN(redis::RedisValue swapped, Wait([&](redis::ReplyCallback done) {
                     client_.EvalScript(SwapScript(), {field.record},
                                        {kPhoneField, field.sealed, std::string(replacement)},
                                        std::move(done));
                   }));
  return swapped.integer == 1;
}

}  // namespace moderation::rekey
