#include "service/crypto/secrets.h"

#include "service/common/status_macros.h"

namespace moderation::crypto {

absl::StatusOr<ServiceKeys> DeriveServiceKeys(absl::string_view master_secret, std::string key_id) {
  if (master_secret.size() < 32) {
    return absl::InvalidArgumentError("the master secret must hold at least 32 bytes");
  }
  ASSIGN_OR_RETURN(FieldCipher cipher,
                   FieldCipher::Create(
                       key_id, DeriveKey(master_secret, "moderation/phone-encryption/" + key_id)));
  return ServiceKeys{
      .captcha_key = DeriveKey(master_secret, "moderation/captcha-answer"),
      .lookup_key = DeriveKey(master_secret, "moderation/lookup-hash"),
      .phone_cipher = std::move(cipher),
      .audit_key = DeriveKey(master_secret, "moderation/audit-log"),
  };
}

}  // namespace moderation::crypto
