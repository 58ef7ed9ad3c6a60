#pragma once

#include <string>
#include <utility>

#include "absl/strings/string_view.h"

namespace moderation::privacy {

// Makes the keyed digests (HMAC-SHA-256 under the lookup key) that stand for
// personal data in Redis keys and stored fields. Each digest is the lowercase
// hex HMAC of "<purpose>:<value>"; running deployments hold these strings,
// so a method's output never changes. Copyable, thread-safe.
class Pseudonymiser {
 public:
  explicit Pseudonymiser(std::string lookup_key) : lookup_key_(std::move(lookup_key)) {}

  // Of a canonical address (Comment::client_ip_digest): 64 hex characters.
  [[nodiscard]] std::string AddressDigest(absl::string_view canonical_ip) const;
  // Of an E.164 phone number (Comment::phone_digest): 64 hex characters.
  [[nodiscard]] std::string PhoneDigest(absl::string_view e164) const;
  // Of a network in text ("203.0.113.0/24"), for the proof-of-work cost.
  [[nodiscard]] std::string NetworkDigest(absl::string_view network) const;
  // Of a normalised comment body, for the memory of recent bodies.
  [[nodiscard]] std::string BodyDigest(absl::string_view normalized_body) const;
  // Of a client's idempotency key.
  [[nodiscard]] std::string IdempotencyKeyDigest(absl::string_view idempotency_key) const;
  // Of a submission's content: what a retry with the same idempotency key
  // must repeat. Length-prefixed, so moving text between fields changes it.
  [[nodiscard]] std::string ContentFingerprint(absl::string_view article_id, absl::string_view name,
                                               absl::string_view e164, absl::string_view title,
                                               absl::string_view body) const;
  // The first 16 bytes (32 hex characters) of the digest of `value` for
  // `purpose`: limit subjects and ban ids, where 128 bits keep subjects apart
  // at half the key size.
  [[nodiscard]] std::string ShortDigest(absl::string_view purpose, absl::string_view value) const;

  // The short form of a full digest: ShortOf(AddressDigest(a)) equals
  // ShortDigest("ip", a), and likewise for "phone".
  [[nodiscard]] static absl::string_view ShortOf(absl::string_view digest) {
    return digest.substr(0, 32);
  }

 private:
  // The raw HMAC of "<purpose>:<value>"; Digest is its hex.
  [[nodiscard]] std::string Mac(absl::string_view purpose, absl::string_view value) const;
  [[nodiscard]] std::string Digest(absl::string_view purpose, absl::string_view value) const;

  std::string lookup_key_;
};

}  // namespace moderation::privacy
