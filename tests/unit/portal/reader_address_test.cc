#include "client/portal/reader_address.h"

#include <gtest/gtest.h>

namespace moderation::portal {
namespace {

const std::vector<std::string> kProxy = {"127.0.0.1", "10.0.0.2"};

TEST(CanonicalAddressTest, AcceptsAddressesOnly) {
  EXPECT_EQ(CanonicalAddress(" 203.0.113.7 "), "203.0.113.7");
  EXPECT_EQ(CanonicalAddress("::ffff:203.0.113.7"), "203.0.113.7");
  EXPECT_EQ(CanonicalAddress("[2001:DB8::1]"), "2001:db8::1");
  EXPECT_EQ(CanonicalAddress("203.0.113.7:80"), "");
  EXPECT_EQ(CanonicalAddress("unknown"), "");
  EXPECT_EQ(CanonicalAddress(""), "");
}

TEST(ReaderAddressTest, SocketPeerWhenNotATrustedProxy) {
  EXPECT_EQ(ReaderAddress("198.51.100.4", "203.0.113.9", kProxy), "198.51.100.4");
  EXPECT_EQ(ReaderAddress("198.51.100.4", "203.0.113.9", {}), "198.51.100.4");
}

TEST(ReaderAddressTest, TrustedProxyNamesTheReader) {
  EXPECT_EQ(ReaderAddress("127.0.0.1", "203.0.113.9", kProxy), "203.0.113.9");
  EXPECT_EQ(ReaderAddress("::ffff:127.0.0.1", "203.0.113.9", kProxy), "203.0.113.9");
}

TEST(ReaderAddressTest, EntriesLeftOfTheFirstUntrustedHopAreIgnored) {
  // The client wrote "192.0.2.1"; the proxies appended the rest.
  EXPECT_EQ(ReaderAddress("127.0.0.1", "192.0.2.1, 203.0.113.9, 10.0.0.2", kProxy), "203.0.113.9");
}

TEST(ReaderAddressTest, MalformedHopStopsAtTheLastTrustedOne) {
  EXPECT_EQ(ReaderAddress("127.0.0.1", "203.0.113.9, not-an-ip", kProxy), "127.0.0.1");
  EXPECT_EQ(ReaderAddress("127.0.0.1", "203.0.113.9, not-an-ip, 10.0.0.2", kProxy), "10.0.0.2");
}

TEST(ReaderAddressTest, OnlyTrustedHopsGiveTheLeftmost) {
  EXPECT_EQ(ReaderAddress("127.0.0.1", "10.0.0.2", kProxy), "10.0.0.2");
}

TEST(SanitizedUserAgentTest, PrintableAsciiWithinTheLimit) {
  EXPECT_EQ(SanitizedUserAgent("Mozilla/5.0 (X11)", 512), "Mozilla/5.0 (X11)");
  EXPECT_EQ(SanitizedUserAgent("a\x01\xc3\xa9z", 512), "a???z");
  EXPECT_EQ(SanitizedUserAgent(std::string(600, 'x'), 512).size(), 512u);
}

}  // namespace
}  // namespace moderation::portal
