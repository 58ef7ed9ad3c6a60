#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "service/privacy/pseudonymiser.h"

namespace moderation::bans {

enum class BanKind { kIpAddress, kIpPrefix, kPhone };

struct Ban {
  // "<kind>-<keyed hash>": derived from the target, so banning a target again
  // replaces its ban, and a submission's possible bans are known without a
  // search.
  std::string id;
  BanKind kind = BanKind::kIpAddress;
  std::string target_display;  // never the address or the number in full
  std::string reason;
  std::string created_by;
  absl::Time create_time;
  std::optional<absl::Time> expire_time;  // none: for ever
};

// Ban ids for each kind of target. An address's id uses the same keyed hash
// the comments store (Comment::client_ip_digest), so a ban can be made from a
// comment without the address in clear.
[[nodiscard]] std::string IpAddressBanId(const privacy::Pseudonymiser& pseudonymiser,
                                         absl::string_view canonical_ip);
[[nodiscard]] std::string IpAddressBanIdFromDigest(absl::string_view ip_digest_hex);
// `prefix` is canonical ("203.0.113.0/24").
[[nodiscard]] std::string IpPrefixBanId(const privacy::Pseudonymiser& pseudonymiser,
                                        absl::string_view prefix);
[[nodiscard]] std::string PhoneBanId(const privacy::Pseudonymiser& pseudonymiser,
                                     absl::string_view e164);

// Every ban that would stop a submission from this address and phone (phone
// may be empty): the address, its IPv4 /24 and /16 or IPv6 /64 and /48, the
// phone. `address_digest` is the AddressDigest of `canonical_ip`, made once
// per request by the caller.
[[nodiscard]] std::vector<std::string> BanIdsFor(const privacy::Pseudonymiser& pseudonymiser,
                                                 absl::string_view address_digest,
                                                 absl::string_view canonical_ip,
                                                 absl::string_view phone_e164);

// Parses "a.b.c.d/len" or "v6/len" with the lengths bans support (/16, /24;
// /48, /64) into its canonical form, host bits cleared. INVALID_ARGUMENT
// otherwise.
[[nodiscard]] absl::StatusOr<std::string> CanonicalBanPrefix(absl::string_view text);

// Where bans live. Asynchronous, thread-safe; UNAVAILABLE when unreachable.
class BanStore {
 public:
  virtual ~BanStore() = default;
  // Stores or replaces `ban`, expiring with it.
  virtual void Put(Ban ban, absl::AnyInvocable<void(absl::Status) &&> done) = 0;
  // NOT_FOUND when there is no live ban with this id.
  virtual void Delete(const std::string& ban_id,
                      absl::AnyInvocable<void(absl::Status) &&> done) = 0;
  // Live bans, newest first, from `offset`, at most `limit`.
  virtual void List(int offset, int limit,
                    absl::AnyInvocable<void(absl::StatusOr<std::vector<Ban>>) &&> done) = 0;
  // The first live ban among `ban_ids`, if any: one round trip.
  virtual void FindAny(std::vector<std::string> ban_ids, absl::Duration timeout,
                       absl::AnyInvocable<void(absl::StatusOr<std::optional<Ban>>) &&> done) = 0;
};

// Stored form of a ban (one string, fields separated by US characters).
[[nodiscard]] std::string EncodeBan(const Ban& ban);
[[nodiscard]] std::optional<Ban> DecodeBan(absl::string_view encoded);

}  // namespace moderation::bans
