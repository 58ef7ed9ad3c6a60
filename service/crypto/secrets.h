#pragma once

#include <string>

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
// in sealed values (see FieldCipher).
[[nodiscard]] absl::StatusOr<ServiceKeys> DeriveServiceKeys(absl::string_view master_secret,
                                                            std::string key_id);

}  // namespace moderation::crypto
