#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace moderation::redis {

// A reply from Redis, copied out of hiredis so that callers never see hiredis
// types. Error replies are not values: they arrive as a failed status.
struct RedisValue {
  enum class Type { kNil, kInteger, kString, kStatus, kArray };

  Type type = Type::kNil;
  int64_t integer = 0;
  std::string string;  // kString and kStatus
  std::vector<RedisValue> elements;

  [[nodiscard]] bool is_nil() const { return type == Type::kNil; }
};

}  // namespace moderation::redis
