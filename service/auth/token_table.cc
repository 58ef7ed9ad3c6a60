#include "service/auth/token_table.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "service/crypto/crypto.h"

namespace moderation::auth {
namespace {

constexpr std::size_t kDigestBytes = 32;
constexpr std::size_t kTokenBytes = 32;
constexpr std::size_t kMaxNameChars = 64;

bool IsHex(absl::string_view text) {
  for (char c : text) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool IsValidPrincipalName(absl::string_view name) {
  if (name.empty() || name.size() > kMaxNameChars) {
    return false;
  }
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-' &&
        c != '@') {
      return false;
    }
  }
  return true;
}

std::optional<Role> ParseRole(absl::string_view name) {
  if (name == "portal") {
    return Role::kPortal;
  }
  if (name == "moderator") {
    return Role::kModerator;
  }
  if (name == "admin") {
    return Role::kAdmin;
  }
  return std::nullopt;
}

absl::string_view RoleName(Role role) {
  switch (role) {
    case Role::kPortal:
      return "portal";
    case Role::kModerator:
      return "moderator";
    case Role::kAdmin:
      return "admin";
  }
  return "unknown";
}

absl::StatusOr<std::vector<TokenEntry>> ParseTokenLines(absl::string_view text,
                                                        absl::string_view source) {
  std::vector<TokenEntry> entries;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') {
      continue;
    }
    std::vector<absl::string_view> fields = absl::StrSplit(line, ':');
    if (fields.size() != 3) {
      // The line may hold a token by mistake: never repeat it.
      return absl::InvalidArgumentError(
          absl::StrCat(source, ":", line_number, ": expected name:role:sha256"));
    }
    entries.push_back({.name = std::string(absl::StripAsciiWhitespace(fields[0])),
                       .role = std::string(absl::StripAsciiWhitespace(fields[1])),
                       .sha256_hex = std::string(absl::StripAsciiWhitespace(fields[2])),
                       .origin = absl::StrCat(source, ":", line_number)});
  }
  return entries;
}

std::string NewToken(RandomSource& random) {
  return crypto::Base64UrlEncode(random.Bytes(kTokenBytes));
}

std::string TokenSha256Hex(absl::string_view token) {
  return crypto::HexEncode(crypto::Sha256(token));
}

absl::StatusOr<TokenTable> TokenTable::Create(const std::vector<TokenEntry>& entries,
                                              DigestEquals equals) {
  std::vector<Entry> table;
  table.reserve(entries.size());
  for (const TokenEntry& entry : entries) {
    if (!IsValidPrincipalName(entry.name)) {
      return absl::InvalidArgumentError(absl::StrCat(entry.origin, ": token name must be 1-",
                                                     kMaxNameChars,
                                                     " characters of [A-Za-z0-9._@-]"));
    }
    std::optional<Role> role = ParseRole(entry.role);
    if (!role) {
      return absl::InvalidArgumentError(absl::StrCat(entry.origin, ": token ", entry.name,
                                                     ": role must be portal, moderator or admin"));
    }
    if (entry.sha256_hex.size() != 2 * kDigestBytes || !IsHex(entry.sha256_hex)) {
      // A token pasted where its hash belongs would otherwise work nowhere
      // and sit in the configuration in clear: say so.
      return absl::InvalidArgumentError(absl::StrCat(
          entry.origin, ": token ", entry.name,
          ": sha256 must be 64 hex digits, the SHA-256 of the token (moderation-server "
          "new-token prints it), not the token itself"));
    }
    absl::StatusOr<std::string> digest = crypto::HexDecode(absl::AsciiStrToLower(entry.sha256_hex));
    if (!digest.ok() || digest->size() != kDigestBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat(entry.origin, ": token ", entry.name, ": sha256 is not valid hex"));
    }
    for (const Entry& earlier : table) {
      if (earlier.digest == *digest) {
        return absl::InvalidArgumentError(absl::StrCat(entry.origin, ": token ", entry.name,
                                                       " has the same hash as token ",
                                                       earlier.principal.name));
      }
    }
    table.push_back(
        {.digest = *std::move(digest), .principal = {.name = entry.name, .role = *role}});
  }
  return TokenTable(std::move(table), equals != nullptr ? equals : &crypto::ConstantTimeEquals);
}

std::optional<Principal> TokenTable::Find(absl::string_view token) const {
  const std::string digest = crypto::Sha256(token);
  // Every entry is compared (CRYPTO_memcmp, constant time) and the match, if
  // any, is picked with masks rather than a branch, so the time taken does
  // not depend on which entry matched. Hashes are unique: at most one does.
  const std::size_t none = entries_.size();
  std::size_t match = none;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    const std::size_t equal = static_cast<std::size_t>(equals_(digest, entries_[i].digest));
    match = (match & (equal - 1)) | (i & (0 - equal));
  }
  if (match == none) {
    return std::nullopt;
  }
  return entries_[match].principal;
}

}  // namespace moderation::auth
