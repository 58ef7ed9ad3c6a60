#include "service/crypto/secrets.h"

#include "absl/strings/str_cat.h"
#include "service/common/status_macros.h"

namespace moderation::crypto {

absl::StatusOr<ServiceKeys> DeriveServiceKeys(absl::string_view master_secret,
                                              const std::string& key_id,
                                              const std::vector<std::string>& decryption_key_ids) {
  if (master_secret.size() < 32) {
    return absl::InvalidArgumentError("the master secret must hold at least 32 bytes");
  }
  ASSIGN_OR_RETURN(FieldCipher cipher,
                   FieldCipher::Create(
                       key_id, DeriveKey(master_secret, "moderation/phone-encryption/" + key_id)));
  for (const std::string& old_id : decryption_key_ids) {
    // Listing the current key too is harmless, and convenient mid-rotation.
    if (old_id == key_id) {
      continue;
    }
    if (absl::Status added = cipher.AddDecryptionKey(
            old_id, DeriveKey(master_secret, "moderation/phone-encryption/" + old_id));
        !added.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("decryption key ", old_id, ": ", added.message()));
    }
  }
  return ServiceKeys{
      .captcha_key = DeriveKey(master_secret, "moderation/captcha-answer"),
      .lookup_key = DeriveKey(master_secret, "moderation/lookup-hash"),
      .phone_cipher = std::move(cipher),
      .audit_key = DeriveKey(master_secret, "moderation/audit-log"),
  };
}

}  // namespace moderation::crypto
