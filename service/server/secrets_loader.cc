#include "service/server/secrets_loader.h"

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "service/crypto/crypto.h"

namespace moderation::server {
namespace {

absl::StatusOr<std::string> Decode(absl::string_view text, absl::string_view source) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(text);
  absl::StatusOr<std::string> bytes = crypto::HexDecode(trimmed);
  if (!bytes.ok()) {
    // Not hex: take the file's bytes as they are.
    bytes = std::string(text);
  }
  if (bytes->size() < 32) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": the secret must hold at least 32 bytes (64 hex digits)"));
  }
  return bytes;
}

}  // namespace

absl::StatusOr<MasterSecret> LoadMasterSecret(const config::Environment& environment,
                                              bool allow_ephemeral) {
  if (auto it = environment.find("MODERATION_SECRET_KEY"); it != environment.end()) {
    absl::StatusOr<std::string> bytes = Decode(it->second, "MODERATION_SECRET_KEY");
    if (!bytes.ok()) {
      return bytes.status();
    }
    return MasterSecret{*std::move(bytes), false};
  }
  if (auto it = environment.find("MODERATION_SECRET_KEY_FILE"); it != environment.end()) {
    std::ifstream file(it->second, std::ios::binary);
    if (!file) {
      return absl::NotFoundError(
          absl::StrCat("MODERATION_SECRET_KEY_FILE: cannot read ", it->second));
    }
    std::stringstream contents;
    contents << file.rdbuf();
    absl::StatusOr<std::string> bytes = Decode(contents.str(), "MODERATION_SECRET_KEY_FILE");
    if (!bytes.ok()) {
      return bytes.status();
    }
    return MasterSecret{*std::move(bytes), false};
  }
  if (!allow_ephemeral) {
    return absl::FailedPreconditionError(
        "no secret: set MODERATION_SECRET_KEY or MODERATION_SECRET_KEY_FILE "
        "(a random one is only made up when listening on loopback)");
  }
  crypto::SecureRandom random;
  return MasterSecret{random.Bytes(32), true};
}

absl::StatusOr<std::string> LoadAltchaKey(const config::Environment& environment,
                                          absl::string_view master_secret) {
  std::string key;
  std::string source;
  if (auto it = environment.find("MODERATION_ALTCHA_HMAC_KEY"); it != environment.end()) {
    key = it->second;
    source = "MODERATION_ALTCHA_HMAC_KEY";
  } else if (auto file_it = environment.find("MODERATION_ALTCHA_HMAC_KEY_FILE");
             file_it != environment.end()) {
    std::ifstream file(file_it->second, std::ios::binary);
    if (!file) {
      return absl::NotFoundError(
          absl::StrCat("MODERATION_ALTCHA_HMAC_KEY_FILE: cannot read ", file_it->second));
    }
    std::stringstream contents;
    contents << file.rdbuf();
    key = std::string(absl::StripAsciiWhitespace(contents.str()));
    source = "MODERATION_ALTCHA_HMAC_KEY_FILE";
  } else {
    return crypto::HexEncode(crypto::DeriveKey(master_secret, "altcha-hmac-key"));
  }
  if (key.size() < 32) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": the ALTCHA key must hold at least 32 characters"));
  }
  return key;
}

}  // namespace moderation::server
