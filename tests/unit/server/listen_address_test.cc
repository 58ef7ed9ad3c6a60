#include "service/server/listen_address.h"

#include <gtest/gtest.h>

namespace moderation::server {
namespace {

TEST(IsLoopbackAddressTest, KnowsLoopbackForms) {
  for (const char* address : {"127.0.0.1:50051", "127.1.2.3:1", "localhost:50051", "[::1]:50051",
                              "unix:/tmp/moderation.sock"}) {
    EXPECT_TRUE(IsLoopbackAddress(address)) << address;
  }
}

TEST(IsLoopbackAddressTest, EverythingElseIsReachableFromOutside) {
  for (const char* address : {"0.0.0.0:50051", "[::]:50051", "10.0.0.5:50051", ":50051",
                              "moderation:50051", "[::ffff:127.0.0.1]:1"}) {
    EXPECT_FALSE(IsLoopbackAddress(address)) << address;
  }
}

}  // namespace
}  // namespace moderation::server
