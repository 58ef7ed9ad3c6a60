#include "service/bans/ban.h"

#include <arpa/inet.h>

#include <array>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace moderation::bans {
namespace {

constexpr char kSeparator = '\x1f';

// The prefix of `bytes` (of `family`) with `length` bits, in canonical text.
std::string PrefixText(int family, std::array<unsigned char, 16> bytes, int length) {
  const int total = family == AF_INET ? 4 : 16;
  for (int bit = length; bit < total * 8; ++bit) {
    bytes[bit / 8] &= static_cast<unsigned char>(~(0x80 >> (bit % 8)));
  }
  std::array<char, INET6_ADDRSTRLEN> buffer{};
  inet_ntop(family, bytes.data(), buffer.data(), buffer.size());
  return absl::StrCat(buffer.data(), "/", length);
}

}  // namespace

std::string IpAddressBanIdFromDigest(absl::string_view ip_digest_hex) {
  return absl::StrCat("ip-", ip_digest_hex.substr(0, 32));
}

std::string IpAddressBanId(const privacy::Pseudonymiser& pseudonymiser,
                           absl::string_view canonical_ip) {
  return IpAddressBanIdFromDigest(pseudonymiser.AddressDigest(canonical_ip));
}

std::string IpPrefixBanId(const privacy::Pseudonymiser& pseudonymiser, absl::string_view prefix) {
  return absl::StrCat("net-", pseudonymiser.ShortDigest("ban-prefix", prefix));
}

std::string PhoneBanId(const privacy::Pseudonymiser& pseudonymiser, absl::string_view e164) {
  return absl::StrCat("tel-", pseudonymiser.ShortDigest("ban-phone", e164));
}

std::vector<std::string> BanIdsFor(const privacy::Pseudonymiser& pseudonymiser,
                                   absl::string_view address_digest, absl::string_view canonical_ip,
                                   absl::string_view phone_e164) {
  std::vector<std::string> ids = {IpAddressBanIdFromDigest(address_digest)};
  const std::string text(canonical_ip);
  std::array<unsigned char, 16> bytes{};
  if (inet_pton(AF_INET, text.c_str(), bytes.data()) == 1) {
    ids.push_back(IpPrefixBanId(pseudonymiser, PrefixText(AF_INET, bytes, 24)));
    ids.push_back(IpPrefixBanId(pseudonymiser, PrefixText(AF_INET, bytes, 16)));
  } else if (inet_pton(AF_INET6, text.c_str(), bytes.data()) == 1) {
    ids.push_back(IpPrefixBanId(pseudonymiser, PrefixText(AF_INET6, bytes, 64)));
    ids.push_back(IpPrefixBanId(pseudonymiser, PrefixText(AF_INET6, bytes, 48)));
  }
  if (!phone_e164.empty()) {
    ids.push_back(PhoneBanId(pseudonymiser, phone_e164));
  }
  return ids;
}

absl::StatusOr<std::string> CanonicalBanPrefix(absl::string_view text) {
  const std::size_t slash = text.find('/');
  int length = 0;
  if (slash == absl::string_view::npos || !absl::SimpleAtoi(text.substr(slash + 1), &length)) {
    return absl::InvalidArgumentError("a prefix looks like 203.0.113.0/24");
  }
  const std::string address(text.substr(0, slash));
  std::array<unsigned char, 16> bytes{};
  if (inet_pton(AF_INET, address.c_str(), bytes.data()) == 1) {
    if (length != 16 && length != 24) {
      return absl::InvalidArgumentError("IPv4 prefixes must be /16 or /24");
    }
    return PrefixText(AF_INET, bytes, length);
  }
  if (inet_pton(AF_INET6, address.c_str(), bytes.data()) == 1) {
    if (length != 48 && length != 64) {
      return absl::InvalidArgumentError("IPv6 prefixes must be /48 or /64");
    }
    return PrefixText(AF_INET6, bytes, length);
  }
  return absl::InvalidArgumentError("not an IP prefix");
}

std::string EncodeBan(const Ban& ban) {
  const std::string sep(1, kSeparator);
  return absl::StrCat(ban.id, sep, static_cast<int>(ban.kind), sep, ban.target_display, sep,
                      ban.reason, sep, ban.created_by, sep, absl::ToUnixMillis(ban.create_time),
                      sep,
                      ban.expire_time ? absl::StrCat(absl::ToUnixMillis(*ban.expire_time)) : "");
}

std::optional<Ban> DecodeBan(absl::string_view encoded) {
  std::vector<std::string> parts = absl::StrSplit(encoded, kSeparator);
  int kind = 0;
  int64_t created = 0;
  if (parts.size() != 7 || !absl::SimpleAtoi(parts[1], &kind) || kind < 0 || kind > 2 ||
      !absl::SimpleAtoi(parts[5], &created)) {
    return std::nullopt;
  }
  Ban ban{.id = parts[0],
          .kind = static_cast<BanKind>(kind),
          .target_display = parts[2],
          .reason = parts[3],
          .created_by = parts[4],
          .create_time = absl::FromUnixMillis(created),
          .expire_time = std::nullopt};
  int64_t expires = 0;
  if (!parts[6].empty()) {
    if (!absl::SimpleAtoi(parts[6], &expires)) {
      return std::nullopt;
    }
    ban.expire_time = absl::FromUnixMillis(expires);
  }
  return ban;
}

}  // namespace moderation::bans
