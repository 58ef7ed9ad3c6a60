#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "service/common/random.h"

namespace moderation::auth {

// What a caller is allowed to do (see access_policy.h for the matrix).
enum class Role { kPortal, kModerator, kAdmin };

// "portal", "moderator" or "admin"; nullopt for anything else.
[[nodiscard]] std::optional<Role> ParseRole(absl::string_view name);
[[nodiscard]] absl::string_view RoleName(Role role);

// An authenticated caller. `name` is the token's name: for people, the
// moderator's identity recorded on their decisions.
struct Principal {
  std::string name;
  Role role = Role::kPortal;
};

// A name a principal may have: 1-64 characters of [A-Za-z0-9._@-].
[[nodiscard]] bool IsValidPrincipalName(absl::string_view name);

// One configured token, as written in the configuration: the SHA-256 of the
// token (64 hex digits), never the token itself.
struct TokenEntry {
  std::string name;
  std::string role;
  std::string sha256_hex;
  std::string origin;  // where it was written, for error messages
};

// The lines of a tokens file: "name:role:sha256hex" each; blank lines and
// lines starting with '#' are skipped. INVALID_ARGUMENT naming `source` and
// the line for a line of another shape (the fields are checked by
// TokenTable::Create).
[[nodiscard]] absl::StatusOr<std::vector<TokenEntry>> ParseTokenLines(absl::string_view text,
                                                                      absl::string_view source);

// A new token: 32 bytes from `random`, base64url without padding (43
// characters).
[[nodiscard]] std::string NewToken(RandomSource& random);

// The SHA-256 of `token` as 64 lowercase hex digits: what the configuration
// holds.
[[nodiscard]] std::string TokenSha256Hex(absl::string_view token);

// The configured tokens. Immutable after Create, so thread-safe.
class TokenTable {
 public:
  // Compares two 32-byte digests; must take the same time wherever they
  // differ. Replaceable so that tests can watch the comparisons.
  using DigestEquals = bool (*)(absl::string_view, absl::string_view);

  // INVALID_ARGUMENT naming the entry's origin for a name that is not 1-64
  // characters of [A-Za-z0-9._@-], an unknown role, a hash that is not 64 hex
  // digits, or a hash given twice.
  [[nodiscard]] static absl::StatusOr<TokenTable> Create(const std::vector<TokenEntry>& entries,
                                                         DigestEquals equals = nullptr);

  // The principal whose token this is, or nullopt. Hashes `token` once and
  // compares the digest with every entry, without stopping at a match, so
  // the time taken says neither whether nor where it matched.
  [[nodiscard]] std::optional<Principal> Find(absl::string_view token) const;

  [[nodiscard]] std::size_t size() const { return entries_.size(); }
  [[nodiscard]] bool empty() const { return entries_.empty(); }

 private:
  struct Entry {
    std::string digest;  // 32 raw bytes
    Principal principal;
  };

  TokenTable(std::vector<Entry> entries, DigestEquals equals)
      : entries_(std::move(entries)), equals_(equals) {}

  std::vector<Entry> entries_;
  DigestEquals equals_;
};

}  // namespace moderation::auth
