#pragma once

#include "absl/status/statusor.h"
#include "service/config/config.h"
#include "service/storage/redis/redis_client.h"

namespace moderation::server {

// How to reach the main Redis (one server, or the primary that Sentinels
// name), from its settings; shared by Run and the maintenance commands.
// INVALID_ARGUMENT for a bad URL or Sentinel address.
[[nodiscard]] absl::StatusOr<redis::RedisClientOptions> MainRedisOptions(
    const config::RedisSettings& settings);

}  // namespace moderation::server
