#include <gtest/gtest.h>

#include "service/storage/redis/redis_client.h"

namespace moderation::redis {
namespace {

TEST(ParseRedisUrlTest, ReadsHostPortAndDatabase) {
  absl::StatusOr<RedisEndpoint> endpoint = ParseRedisUrl("redis://redis.internal:6380/3");
  ASSERT_TRUE(endpoint.ok()) << endpoint.status();
  EXPECT_EQ(endpoint->host, "redis.internal");
  EXPECT_EQ(endpoint->port, 6380);
  EXPECT_EQ(endpoint->database, 3);
  EXPECT_EQ(ParseRedisUrl("redis://127.0.0.1")->port, 6379);
  EXPECT_EQ(ParseRedisUrl("redis://[::1]:7000")->host, "::1");
}

TEST(ParseRedisUrlTest, ReadsUnixSockets) {
  absl::StatusOr<RedisEndpoint> endpoint = ParseRedisUrl("unix:///run/redis/redis.sock");
  ASSERT_TRUE(endpoint.ok());
  EXPECT_EQ(endpoint->unix_path, "/run/redis/redis.sock");
}

TEST(ParseRedisUrlTest, RefusesWhatItCannotHonour) {
  for (const char* url : {"", "http://x", "rediss://x:6379", "redis://:6379", "redis://x:0",
                          "redis://x:99999", "redis://x/16", "redis://u:p@x", "unix://rel"}) {
    EXPECT_FALSE(ParseRedisUrl(url).ok()) << url;
  }
}

TEST(ParseSentinelAddressTest, ReadsHostAndPortWithTheSentinelDefault) {
  absl::StatusOr<RedisEndpoint> sentinel = ParseSentinelAddress("sentinel-0.redis:26380");
  ASSERT_TRUE(sentinel.ok()) << sentinel.status();
  EXPECT_EQ(sentinel->host, "sentinel-0.redis");
  EXPECT_EQ(sentinel->port, 26380);
  EXPECT_EQ(ParseSentinelAddress("10.0.0.7")->port, 26379);
  EXPECT_EQ(ParseSentinelAddress("[::1]:26381")->port, 26381);
  EXPECT_EQ(ParseSentinelAddress("[::1]")->port, 26379);
  for (const char* address : {"", "redis://x:26379", "x:26379/0", "u@x:26379", "x:0"}) {
    EXPECT_FALSE(ParseSentinelAddress(address).ok()) << address;
  }
}

}  // namespace
}  // namespace moderation::redis
