#include "service/server/listen_address.h"

#include <arpa/inet.h>

#include <array>
#include <string>

#include "absl/strings/match.h"

namespace moderation::server {

bool IsLoopbackAddress(absl::string_view address) {
  if (absl::StartsWith(address, "unix:")) {
    return true;
  }
  absl::string_view host = address;
  if (absl::StartsWith(host, "[")) {
    const std::size_t close = host.find(']');
    if (close == absl::string_view::npos) {
      return false;
    }
    host = host.substr(1, close - 1);
  } else if (const std::size_t colon = host.rfind(':'); colon != absl::string_view::npos) {
    host = host.substr(0, colon);
  }
  if (host == "localhost") {
    return true;
  }
  const std::string text(host);
  std::array<unsigned char, 16> bytes{};
  if (inet_pton(AF_INET, text.c_str(), bytes.data()) == 1) {
    return bytes[0] == 127;
  }
  if (inet_pton(AF_INET6, text.c_str(), bytes.data()) == 1) {
    static constexpr std::array<unsigned char, 16> kLoopback = {0, 0, 0, 0, 0, 0, 0, 0,
                                                                0, 0, 0, 0, 0, 0, 0, 1};
    return bytes == kLoopback;
  }
  return false;
}

}  // namespace moderation::server
