#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace moderation::portal {

// The canonical text form of an IPv4 or IPv6 address (IPv4-mapped IPv6 as
// IPv4), or "" when `text` is not an address.
[[nodiscard]] std::string CanonicalAddress(absl::string_view text);

// Who the reader is, for the service's rate limits and bans.
//
// The socket's peer is the reader unless it is one of `trusted_proxies`
// (canonical addresses). Then X-Forwarded-For is read from the right, each
// trusted hop skipped, and the first other address is the reader's: entries
// left of it were written by the client and prove nothing. A malformed entry
// stops the walk at the last trusted hop, so a forged header never names
// someone else. Returns a canonical address.
[[nodiscard]] std::string ReaderAddress(absl::string_view socket_address,
                                        absl::string_view forwarded_for,
                                        const std::vector<std::string>& trusted_proxies);

// The User-Agent header as the service takes it: printable ASCII only (other
// bytes become '?'), at most `max_bytes`, so that no header a browser sends
// can get a comment refused.
[[nodiscard]] std::string SanitizedUserAgent(absl::string_view header, std::size_t max_bytes);

}  // namespace moderation::portal
