#include "service/validation/ip.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace moderation::validation {
namespace {

std::string FormatV4(const unsigned char* bytes) {
  std::array<char, INET_ADDRSTRLEN> buffer{};
  inet_ntop(AF_INET, bytes, buffer.data(), buffer.size());
  return buffer.data();
}

// 127.0.0.0/8 (loopback) and 0.0.0.0 (unspecified).
bool IsLocalV4(const unsigned char* bytes) {
  return bytes[0] == 127 || (bytes[0] == 0 && bytes[1] == 0 && bytes[2] == 0 && bytes[3] == 0);
}

}  // namespace

std::optional<ClientAddress> ParseClientAddress(absl::string_view text) {
  // inet_pton stops at a NUL: "10.0.0.1\0<anything>" would pass as 10.0.0.1.
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN ||
      text.find('\0') != absl::string_view::npos) {
    return std::nullopt;
  }
  const std::string input(text);
  std::array<unsigned char, 16> bytes{};
  if (inet_pton(AF_INET, input.c_str(), bytes.data()) == 1) {
    std::array<unsigned char, 4> network = {bytes[0], bytes[1], bytes[2], 0};
    return ClientAddress{FormatV4(bytes.data()), absl::StrCat(FormatV4(network.data()), "/24"),
                         IsLocalV4(bytes.data())};
  }
  if (inet_pton(AF_INET6, input.c_str(), bytes.data()) != 1) {
    return std::nullopt;
  }
  static constexpr std::array<unsigned char, 12> kMappedPrefix = {0, 0, 0, 0, 0,    0,
                                                                  0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(bytes.data(), kMappedPrefix.data(), kMappedPrefix.size()) == 0) {
    const unsigned char* v4 = bytes.data() + 12;
    std::array<unsigned char, 4> network = {v4[0], v4[1], v4[2], 0};
    return ClientAddress{FormatV4(v4), absl::StrCat(FormatV4(network.data()), "/24"),
                         IsLocalV4(v4)};
  }
  // ::1 and ::, the IPv6 loopback and unspecified addresses.
  const bool local = std::all_of(bytes.begin(), bytes.begin() + 15, [](unsigned char b) {
    return b == 0;
  }) && bytes[15] <= 1;
  std::array<char, INET6_ADDRSTRLEN> buffer{};
  inet_ntop(AF_INET6, bytes.data(), buffer.data(), buffer.size());
  std::string canonical = buffer.data();
  std::fill(bytes.begin() + 6, bytes.end(), 0);
  inet_ntop(AF_INET6, bytes.data(), buffer.data(), buffer.size());
  return ClientAddress{std::move(canonical), absl::StrCat(buffer.data(), "/48"), local};
}

}  // namespace moderation::validation
