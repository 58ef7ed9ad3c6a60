#include "service/crypto/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <array>
#include <cstdlib>
#include <memory>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace moderation::crypto {
namespace {

constexpr std::size_t kNonceBytes = 12;
constexpr std::size_t kTagBytes = 16;

struct CipherContextDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, CipherContextDeleter>;

struct PkeyContextDeleter {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};

const unsigned char* Bytes(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

unsigned char* MutableBytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

// OpenSSL failing on valid arguments means memory exhaustion or a broken
// library: nothing a caller can handle.
void CheckOpenSsl(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fatal: OpenSSL %s failed\n", what);
    std::abort();
  }
}

struct MacContextDeleter {
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};

// OpenSSL 3 looks the algorithm up on every one-shot HMAC() (a lock and a
// provider search), and the service computes a dozen HMACs per submission
// under a handful of keys. Each thread keeps one context per key, keyed once,
// and copies it for each message: half the cost.
class HmacContexts {
 public:
  HmacContexts() = default;
  HmacContexts(const HmacContexts&) = delete;
  HmacContexts& operator=(const HmacContexts&) = delete;
  ~HmacContexts() { Clear(); }

  EVP_MAC_CTX* For(absl::string_view key) {
    for (const auto& [known, ctx] : contexts_) {
      if (known == key) {
        return ctx;
      }
    }
    if (contexts_.size() >= kMaxKeys) {
      Clear();  // more keys than a process uses: tests, rotations
    }
    static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    EVP_MAC_CTX* ctx = mac != nullptr ? EVP_MAC_CTX_new(mac) : nullptr;
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0),
                                 OSSL_PARAM_construct_end()};
    CheckOpenSsl(ctx != nullptr && EVP_MAC_init(ctx, Bytes(key), key.size(), params) > 0,
                 "HMAC key");
    contexts_.emplace_back(std::string(key), ctx);
    return ctx;
  }

 private:
  static constexpr std::size_t kMaxKeys = 16;

  void Clear() {
    for (auto& entry : contexts_) {
      EVP_MAC_CTX_free(entry.second);
      OPENSSL_cleanse(entry.first.data(), entry.first.size());
    }
    contexts_.clear();
  }

  std::vector<std::pair<std::string, EVP_MAC_CTX*>> contexts_;
};

HmacContexts& ThreadHmacContexts() {
  thread_local HmacContexts contexts;
  return contexts;
}

}  // namespace

std::string HmacSha256(absl::string_view key, absl::string_view data) {
  std::unique_ptr<EVP_MAC_CTX, MacContextDeleter> ctx(
      EVP_MAC_CTX_dup(ThreadHmacContexts().For(key)));
  std::string out(EVP_MAX_MD_SIZE, '\0');
  std::size_t length = 0;
  CheckOpenSsl(ctx != nullptr && EVP_MAC_update(ctx.get(), Bytes(data), data.size()) > 0 &&
                   EVP_MAC_final(ctx.get(), MutableBytes(out), &length, out.size()) > 0,
               "HMAC");
  out.resize(length);
  return out;
}

std::string Sha256(absl::string_view data) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  SHA256(Bytes(data), data.size(), MutableBytes(out));
  return out;
}

std::string Sha1Hex(absl::string_view data) {
  std::array<unsigned char, SHA_DIGEST_LENGTH> digest{};
  SHA1(Bytes(data), data.size(), digest.data());
  return HexEncode(absl::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

std::string DeriveKey(absl::string_view secret, absl::string_view info, std::size_t length) {
  std::unique_ptr<EVP_PKEY_CTX, PkeyContextDeleter> ctx(
      EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr));
  std::string out(length, '\0');
  std::size_t out_length = length;
  CheckOpenSsl(
      ctx != nullptr && EVP_PKEY_derive_init(ctx.get()) > 0 &&
          EVP_PKEY_CTX_set_hkdf_md(ctx.get(), EVP_sha256()) > 0 &&
          EVP_PKEY_CTX_set1_hkdf_key(ctx.get(), Bytes(secret), static_cast<int>(secret.size())) >
              0 &&
          EVP_PKEY_CTX_add1_hkdf_info(ctx.get(), Bytes(info), static_cast<int>(info.size())) > 0 &&
          EVP_PKEY_derive(ctx.get(), MutableBytes(out), &out_length) > 0,
      "HKDF");
  return out;
}

bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string HexEncode(absl::string_view bytes) { return absl::BytesToHexString(bytes); }

absl::StatusOr<std::string> HexDecode(absl::string_view hex) {
  if (hex.size() % 2 != 0) {
    return absl::InvalidArgumentError("hex string has odd length");
  }
  for (char c : hex) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError("not a hex string");
    }
  }
  return absl::HexStringToBytes(hex);
}

std::string Base64UrlEncode(absl::string_view bytes) { return absl::WebSafeBase64Escape(bytes); }

absl::StatusOr<std::string> Base64UrlDecode(absl::string_view text) {
  std::string out;
  if (!absl::WebSafeBase64Unescape(text, &out)) {
    return absl::InvalidArgumentError("not base64url");
  }
  return out;
}

std::string SecureRandom::Bytes(std::size_t count) {
  std::string out(count, '\0');
  CheckOpenSsl(RAND_bytes(MutableBytes(out), static_cast<int>(count)) == 1, "RAND_bytes");
  return out;
}

namespace {

absl::Status CheckKey(absl::string_view key_id, absl::string_view key) {
  if (key.size() != 32) {
    return absl::InvalidArgumentError("AES-256-GCM key must be 32 bytes");
  }
  if (key_id.empty() || key_id.size() > 16 ||
      key_id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789") != std::string::npos) {
    return absl::InvalidArgumentError("key id must be 1-16 characters of [a-z0-9]");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<FieldCipher> FieldCipher::Create(std::string key_id, std::string key) {
  if (absl::Status valid = CheckKey(key_id, key); !valid.ok()) {
    return valid;
  }
  return FieldCipher(std::move(key_id), std::move(key));
}

absl::Status FieldCipher::AddDecryptionKey(std::string key_id, std::string key) {
  if (absl::Status valid = CheckKey(key_id, key); !valid.ok()) {
    return valid;
  }
  if (key_id == key_id_ || decryption_keys_.contains(key_id)) {
    return absl::AlreadyExistsError(absl::StrCat("key id ", key_id, " is already known"));
  }
  decryption_keys_.emplace(std::move(key_id), std::move(key));
  return absl::OkStatus();
}

absl::StatusOr<std::string> FieldCipher::KeyIdOf(absl::string_view sealed) {
  std::vector<absl::string_view> parts = absl::StrSplit(sealed, '.');
  if (parts.size() != 3 || parts[0] != "v1") {
    return absl::InvalidArgumentError("malformed sealed value");
  }
  return std::string(parts[1]);
}

FieldCipher::FieldCipher(std::string key_id, std::string key)
    : key_id_(std::move(key_id)), key_(std::move(key)) {}

std::string FieldCipher::Seal(absl::string_view plaintext, RandomSource& random) const {
  const std::string nonce = random.Bytes(kNonceBytes);
  // The key id is authenticated too, so a value cannot be relabelled.
  const std::string aad = absl::StrCat("v1.", key_id_);
  std::string sealed = nonce;
  sealed.resize(kNonceBytes + plaintext.size() + kTagBytes);
  CipherContext ctx(EVP_CIPHER_CTX_new());
  int length = 0;
  int final_length = 0;
  CheckOpenSsl(ctx != nullptr &&
                   EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(key_),
                                      Bytes(nonce)) == 1 &&
                   EVP_EncryptUpdate(ctx.get(), nullptr, &length, Bytes(aad),
                                     static_cast<int>(aad.size())) == 1 &&
                   EVP_EncryptUpdate(ctx.get(), MutableBytes(sealed) + kNonceBytes, &length,
                                     Bytes(plaintext), static_cast<int>(plaintext.size())) == 1 &&
                   EVP_EncryptFinal_ex(ctx.get(), MutableBytes(sealed) + kNonceBytes + length,
                                       &final_length) == 1 &&
                   EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                                       MutableBytes(sealed) + kNonceBytes + plaintext.size()) == 1,
               "AES-GCM encrypt");
  return absl::StrCat(aad, ".", Base64UrlEncode(sealed));
}

absl::StatusOr<std::string> FieldCipher::Open(absl::string_view sealed) const {
  std::vector<absl::string_view> parts = absl::StrSplit(sealed, '.');
  if (parts.size() != 3 || parts[0] != "v1") {
    return absl::InvalidArgumentError("malformed sealed value");
  }
  const std::string* key = &key_;
  if (parts[1] != key_id_) {
    auto it = decryption_keys_.find(parts[1]);
    if (it == decryption_keys_.end()) {
      return absl::NotFoundError(absl::StrCat("no key with id ", parts[1]));
    }
    key = &it->second;
  }
  absl::StatusOr<std::string> raw = Base64UrlDecode(parts[2]);
  if (!raw.ok() || raw->size() < kNonceBytes + kTagBytes) {
    return absl::InvalidArgumentError("malformed sealed value");
  }
  const std::string aad = absl::StrCat("v1.", parts[1]);
  const std::size_t text_size = raw->size() - kNonceBytes - kTagBytes;
  std::string plaintext(text_size, '\0');
  std::string tag = raw->substr(kNonceBytes + text_size);
  CipherContext ctx(EVP_CIPHER_CTX_new());
  int length = 0;
  CheckOpenSsl(
      ctx != nullptr &&
          EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(*key), Bytes(*raw)) ==
              1 &&
          EVP_DecryptUpdate(ctx.get(), nullptr, &length, Bytes(aad),
                            static_cast<int>(aad.size())) == 1 &&
          EVP_DecryptUpdate(ctx.get(), MutableBytes(plaintext), &length, Bytes(*raw) + kNonceBytes,
                            static_cast<int>(text_size)) == 1 &&
          EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, MutableBytes(tag)) == 1,
      "AES-GCM decrypt");
  int final_length = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), MutableBytes(plaintext) + length, &final_length) != 1) {
    return absl::DataLossError("sealed value failed authentication");
  }
  return plaintext;
}

}  // namespace moderation::crypto
