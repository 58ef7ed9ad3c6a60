#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "service/crypto/crypto.h"

namespace moderation::crypto {

// The keys the service works with, each derived (HKDF) from one master secret
// for one purpose, so that a leak of one does not expose the others and ops
// handle a single secret.
struct ServiceKeys {
  std::string captcha_key;   // HMAC key for stored captcha answers
  std::string lookup_key;    // HMAC key for Redis keys derived from phones, IPs, idempotency keys
  FieldCipher phone_cipher;  // AES-256-GCM for phone numbers at rest
  std::string audit_key;     // HMAC key of the audit log's chain
};

// `master_secret` must hold at least 32 bytes. `key_id` names the encryption key
// in sealed values (see FieldCipher); each of `decryption_key_ids` names an
// older key that still opens what it sealed, during a rotation. Every phone key
// is derived from the master secret and its id, so rotating it leaves the
// lookup hashes (bans, author histories) and the audit chain as they are.
// INVALID_ARGUMENT for a short secret, a bad or repeated key id.
[[nodiscard]] absl::StatusOr<ServiceKeys> DeriveServiceKeys(
    absl::string_view master_secret, const std::string& key_id,
    const std::vector<std::string>& decryption_key_ids = {});

}  // namespace moderation::crypto
