#include "service/validation/ip.h"

#include <gtest/gtest.h>

namespace moderation::validation {
namespace {

TEST(ParseClientAddressTest, TruncatesIpv4ToSlash24) {
  std::optional<ClientAddress> address = ParseClientAddress("203.0.113.57");
  ASSERT_TRUE(address.has_value());
  EXPECT_EQ(address->canonical, "203.0.113.57");
  EXPECT_EQ(address->network, "203.0.113.0/24");
}

TEST(ParseClientAddressTest, TruncatesIpv6ToSlash48AndCanonicalises) {
  std::optional<ClientAddress> address = ParseClientAddress("2001:DB8:abcd:12::1");
  ASSERT_TRUE(address.has_value());
  EXPECT_EQ(address->canonical, "2001:db8:abcd:12::1");
  EXPECT_EQ(address->network, "2001:db8:abcd::/48");
}

TEST(ParseClientAddressTest, TreatsMappedIpv6AsIpv4) {
  std::optional<ClientAddress> address = ParseClientAddress("::ffff:198.51.100.9");
  ASSERT_TRUE(address.has_value());
  EXPECT_EQ(address->canonical, "198.51.100.9");
  EXPECT_EQ(address->network, "198.51.100.0/24");
}

TEST(ParseClientAddressTest, RefusesNonAddresses) {
  for (const char* raw : {"", "localhost", "1.2.3", "256.1.1.1", "1.2.3.4/24", " 1.2.3.4"}) {
    EXPECT_FALSE(ParseClientAddress(raw).has_value()) << raw;
  }
}

TEST(ParseClientAddressTest, KnowsTheMachinesOwnAddresses) {
  for (const char* local : {"127.0.0.1", "127.255.0.9", "0.0.0.0", "::1", "::", "::ffff:127.0.0.1",
                            "::ffff:0.0.0.0"}) {
    std::optional<ClientAddress> address = ParseClientAddress(local);
    ASSERT_TRUE(address.has_value()) << local;
    EXPECT_TRUE(address->local) << local;
  }
  for (const char* reader : {"10.0.0.1", "192.168.1.1", "128.0.0.1", "1.0.0.0", "::2", "2001:db8::1",
                             "::ffff:10.0.0.1"}) {
    std::optional<ClientAddress> address = ParseClientAddress(reader);
    ASSERT_TRUE(address.has_value()) << reader;
    EXPECT_FALSE(address->local) << reader;
  }
}

}  // namespace
}  // namespace moderation::validation
