#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "service/common/random.h"

// Small, safe wrappers over OpenSSL: keyed hashes, authenticated encryption,
// constant-time comparison, secure random bytes and the encodings we store.
namespace moderation::crypto {

// HMAC-SHA-256 of `data` under `key`: 32 raw bytes.
[[nodiscard]] std::string HmacSha256(absl::string_view key, absl::string_view data);

// SHA-256 of `data`: 32 raw bytes.
[[nodiscard]] std::string Sha256(absl::string_view data);

// SHA-1 as lowercase hex (Redis script ids only; not for security).
[[nodiscard]] std::string Sha1Hex(absl::string_view data);

// HKDF-SHA-256: `length` bytes derived from `secret` for the purpose `info`.
[[nodiscard]] std::string DeriveKey(absl::string_view secret, absl::string_view info,
                                    std::size_t length = 32);

// Equality that takes the same time wherever the inputs differ.
[[nodiscard]] bool ConstantTimeEquals(absl::string_view a, absl::string_view b);

[[nodiscard]] std::string HexEncode(absl::string_view bytes);
[[nodiscard]] absl::StatusOr<std::string> HexDecode(absl::string_view hex);
[[nodiscard]] std::string Base64UrlEncode(absl::string_view bytes);
[[nodiscard]] absl::StatusOr<std::string> Base64UrlDecode(absl::string_view text);

// Random bytes from OpenSSL's CSPRNG.
class SecureRandom final : public RandomSource {
 public:
  [[nodiscard]] std::string Bytes(std::size_t count) override;
};

// AES-256-GCM with a key id, for personal data at rest. Sealed values look like
// "v1.<key_id>.<base64url(nonce | ciphertext | tag)>", so that keys can be
// rotated: a value names the key that opens it. One key seals; older keys,
// added with AddDecryptionKey, still open what they sealed until every value
// has been sealed again under the current key (see `moderation-server rekey`).
class FieldCipher {
 public:
  // `key` must be 32 bytes; `key_id` 1–16 characters of [a-z0-9].
  static absl::StatusOr<FieldCipher> Create(std::string key_id, std::string key);

  // Lets Open read values sealed under `key_id` (never used to seal).
  // INVALID_ARGUMENT for a bad key or id, ALREADY_EXISTS for an id already known.
  absl::Status AddDecryptionKey(std::string key_id, std::string key);

  // Seals under the current key.
  [[nodiscard]] std::string Seal(absl::string_view plaintext, RandomSource& random) const;
  // INVALID_ARGUMENT for a malformed value, NOT_FOUND for an unknown key id,
  // DATA_LOSS when authentication fails (tampered or wrong key).
  [[nodiscard]] absl::StatusOr<std::string> Open(absl::string_view sealed) const;

  // The key id a sealed value names; INVALID_ARGUMENT when it is malformed.
  [[nodiscard]] static absl::StatusOr<std::string> KeyIdOf(absl::string_view sealed);

  // The id of the key that seals.
  [[nodiscard]] const std::string& key_id() const { return key_id_; }

 private:
  FieldCipher(std::string key_id, std::string key);
  std::string key_id_;
  std::string key_;
  std::map<std::string, std::string, std::less<>> decryption_keys_;
};

}  // namespace moderation::crypto
