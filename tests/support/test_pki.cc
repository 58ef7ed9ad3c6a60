#include "tests/support/test_pki.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace moderation::testing {
namespace {

struct KeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct CertDeleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyDeleter>;
using Cert = std::unique_ptr<X509, CertDeleter>;

Key NewKey() { return Key(EVP_EC_gen("P-256")); }

// A certificate for `key` named `common_name`, signed by `issuer` with
// `issuer_key` (self-signed when `issuer` is null), with these X.509v3
// extensions (OpenSSL configuration syntax).
Cert MakeCertificate(EVP_PKEY* key, const std::string& common_name, X509* issuer,
                     EVP_PKEY* issuer_key, int valid_days,
                     const std::vector<std::pair<int, std::string>>& extensions) {
  static long serial = 1;
  Cert cert(X509_new());
  if (cert == nullptr) {
    return nullptr;
  }
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), valid_days * 24L * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509_set_issuer_name(cert.get(), issuer != nullptr ? X509_get_subject_name(issuer) : name);
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer != nullptr ? issuer : cert.get(), cert.get(), nullptr, nullptr,
                 0);
  for (const auto& [nid, value] : extensions) {
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
    if (extension == nullptr) {
      return nullptr;
    }
    X509_add_ext(cert.get(), extension, -1);
    X509_EXTENSION_free(extension);
  }
  if (X509_sign(cert.get(), issuer_key, EVP_sha256()) == 0) {
    return nullptr;
  }
  return cert;
}

Cert MakeCa(EVP_PKEY* key, const std::string& common_name, int valid_days) {
  return MakeCertificate(key, common_name, nullptr, key, valid_days,
                         {{NID_basic_constraints, "critical,CA:TRUE"},
                          {NID_key_usage, "critical,keyCertSign,cRLSign"},
                          {NID_subject_key_identifier, "hash"}});
}

Cert MakeClient(EVP_PKEY* key, const std::string& common_name, X509* ca, EVP_PKEY* ca_key,
                int valid_days) {
  return MakeCertificate(key, common_name, ca, ca_key, valid_days,
                         {{NID_basic_constraints, "CA:FALSE"},
                          {NID_key_usage, "critical,digitalSignature"},
                          {NID_ext_key_usage, "clientAuth"},
                          {NID_authority_key_identifier, "keyid"}});
}

bool WriteCert(const std::string& path, X509* cert) {
  FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr) {
    return false;
  }
  const bool ok = PEM_write_X509(file, cert) == 1;
  return std::fclose(file) == 0 && ok;
}

bool WriteKey(const std::string& path, EVP_PKEY* key) {
  FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr) {
    return false;
  }
  const bool ok = PEM_write_PrivateKey(file, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  return std::fclose(file) == 0 && ok;
}

}  // namespace

absl::StatusOr<TestPki> WriteTestPki(const std::string& dir, int valid_days) {
  Key ca_key = NewKey();
  Key server_key = NewKey();
  Key client_key = NewKey();
  Key other_ca_key = NewKey();
  Key other_client_key = NewKey();
  if (!ca_key || !server_key || !client_key || !other_ca_key || !other_client_key) {
    return absl::InternalError("cannot make EC keys");
  }
  Cert ca = MakeCa(ca_key.get(), "moderation test CA", valid_days);
  Cert other_ca = MakeCa(other_ca_key.get(), "unrelated test CA", valid_days);
  if (!ca || !other_ca) {
    return absl::InternalError("cannot make the test CAs");
  }
  Cert server = MakeCertificate(server_key.get(), "localhost", ca.get(), ca_key.get(), valid_days,
                                {{NID_basic_constraints, "CA:FALSE"},
                                 {NID_key_usage, "critical,digitalSignature,keyEncipherment"},
                                 {NID_ext_key_usage, "serverAuth"},
                                 {NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1"},
                                 {NID_authority_key_identifier, "keyid"}});
  Cert client = MakeClient(client_key.get(), "lan", ca.get(), ca_key.get(), valid_days);
  Cert other_client =
      MakeClient(other_client_key.get(), "mallory", other_ca.get(), other_ca_key.get(), valid_days);
  if (!server || !client || !other_client) {
    return absl::InternalError("cannot make the test certificates");
  }
  TestPki pki{.ca_cert = dir + "/ca.crt",
              .server_cert = dir + "/server.crt",
              .server_key = dir + "/server.key",
              .client_cert = dir + "/client.crt",
              .client_key = dir + "/client.key",
              .other_ca_cert = dir + "/other-ca.crt",
              .other_client_cert = dir + "/other-client.crt",
              .other_client_key = dir + "/other-client.key"};
  if (!WriteCert(pki.ca_cert, ca.get()) || !WriteCert(pki.server_cert, server.get()) ||
      !WriteKey(pki.server_key, server_key.get()) || !WriteCert(pki.client_cert, client.get()) ||
      !WriteKey(pki.client_key, client_key.get()) ||
      !WriteCert(pki.other_ca_cert, other_ca.get()) ||
      !WriteCert(pki.other_client_cert, other_client.get()) ||
      !WriteKey(pki.other_client_key, other_client_key.get())) {
    return absl::InternalError(absl::StrCat("cannot write the test certificates to ", dir));
  }
  return pki;
}

std::string ReadTextFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

}  // namespace moderation::testing
