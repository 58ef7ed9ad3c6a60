#include "client/portal/reader_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"

namespace moderation::portal {

std::string CanonicalAddress(absl::string_view text) {
  std::string input(absl::StripAsciiWhitespace(text));
  if (input.size() > 2 && input.front() == '[' && input.back() == ']') {
    input = input.substr(1, input.size() - 2);
  }
  char out[INET6_ADDRSTRLEN] = {};
  in_addr v4{};
  if (inet_pton(AF_INET, input.c_str(), &v4) == 1) {
    return inet_ntop(AF_INET, &v4, out, sizeof(out)) != nullptr ? out : "";
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, input.c_str(), &v6) != 1) {
    return "";
  }
  if (IN6_IS_ADDR_V4MAPPED(&v6)) {
    std::memcpy(&v4, &v6.s6_addr[12], sizeof(v4));
    return inet_ntop(AF_INET, &v4, out, sizeof(out)) != nullptr ? out : "";
  }
  return inet_ntop(AF_INET6, &v6, out, sizeof(out)) != nullptr ? out : "";
}

std::string ReaderAddress(absl::string_view socket_address, absl::string_view forwarded_for,
                          const std::vector<std::string>& trusted_proxies) {
  const auto trusted = [&](const std::string& address) {
    return std::find(trusted_proxies.begin(), trusted_proxies.end(), address) !=
           trusted_proxies.end();
  };
  std::string reader = CanonicalAddress(socket_address);
  if (reader.empty() || !trusted(reader) || forwarded_for.empty()) {
    return reader;
  }
  std::vector<absl::string_view> hops = absl::StrSplit(forwarded_for, ',');
  for (auto hop = hops.rbegin(); hop != hops.rend(); ++hop) {
    const std::string address = CanonicalAddress(*hop);
    if (address.empty()) {
      return reader;
    }
    reader = address;
    if (!trusted(address)) {
      return reader;
    }
  }
  return reader;
}

std::string SanitizedUserAgent(absl::string_view header, std::size_t max_bytes) {
  std::string out(header.substr(0, max_bytes));
  for (char& c : out) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte > 0x7e) {
      c = '?';
    }
  }
  return out;
}

}  // namespace moderation::portal
