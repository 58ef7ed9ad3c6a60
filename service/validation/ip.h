#pragma once

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace moderation::validation {

struct ClientAddress {
  std::string canonical;  // the address in its canonical text form
  std::string network;    // display form kept instead: IPv4 /24, IPv6 /48
  // Loopback (127.0.0.0/8, ::1) or unspecified (0.0.0.0, ::): the machine
  // itself, never a reader's address. A portal that sends one forwards its
  // own connection's address instead of the reader's, and every reader would
  // then share one set of limits and bans.
  bool local = false;
};

// Parses an IPv4 or IPv6 address in text form (IPv4-mapped IPv6 counts as
// IPv4). nullopt when `text` is not an address.
[[nodiscard]] std::optional<ClientAddress> ParseClientAddress(absl::string_view text);

}  // namespace moderation::validation
