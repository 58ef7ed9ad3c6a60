#include "service/server/security.h"

#include <fcntl.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "service/common/status_macros.h"
#include "service/server/listen_address.h"

namespace moderation::server {
namespace {

absl::StatusOr<std::string> ReadSettingFile(absl::string_view setting, const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return absl::NotFoundError(
        absl::StrCat(setting, ": cannot read ", path, ": ", std::strerror(errno)));
  }
  std::stringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Deleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct KeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

std::unique_ptr<BIO, BioDeleter> MemoryBio(const std::string& pem) {
  return std::unique_ptr<BIO, BioDeleter>(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

std::unique_ptr<X509, X509Deleter> FirstCertificate(const std::string& pem) {
  auto bio = MemoryBio(pem);
  return std::unique_ptr<X509, X509Deleter>(
      bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

// gRPC reports unusable PEM only when the first client connects, as a failed
// handshake: check it here, so that the server refuses to start instead.
absl::Status CheckKeyPair(const config::TlsSettings& tls, const std::string& cert_pem,
                          const std::string& key_pem, std::vector<std::string>& warnings) {
  std::unique_ptr<X509, X509Deleter> cert = FirstCertificate(cert_pem);
  if (cert == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("tls.cert_file: ", tls.cert_file, " holds no PEM certificate"));
  }
  auto key_bio = MemoryBio(key_pem);
  std::unique_ptr<EVP_PKEY, KeyDeleter> key(
      key_bio ? PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (key == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tls.key_file: ", tls.key_file, " holds no PEM private key (or it is encrypted)"));
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tls.key_file: ", tls.key_file, " is not the key of tls.cert_file ", tls.cert_file));
  }
  const ASN1_TIME* not_after = X509_get0_notAfter(cert.get());
  constexpr time_t kTwoWeeks = time_t{14} * 24 * 3600;
  time_t in_two_weeks = time(nullptr) + kTwoWeeks;
  if (X509_cmp_current_time(not_after) < 0) {
    warnings.push_back(absl::StrCat("tls.cert_file: ", tls.cert_file,
                                    " has expired: clients will refuse the connection"));
  } else if (X509_cmp_time(not_after, &in_two_weeks) < 0) {
    warnings.push_back(absl::StrCat("tls.cert_file: ", tls.cert_file, " expires within 14 days"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<std::string>> CheckExposure(const config::ServerConfig& config,
                                                       bool tokens_configured) {
  std::vector<std::string> warnings;
  if (IsLoopbackAddress(config.listen)) {
    return warnings;
  }
  const bool tls = !config.tls.cert_file.empty();
  std::vector<std::string> missing;
  if (!tls) {
    missing.push_back(
        "TLS (tls.cert_file and tls.key_file; MODERATION_TLS_CERT_FILE, MODERATION_TLS_KEY_FILE)");
  }
  if (!tokens_configured) {
    missing.push_back(
        "tokens (auth.tokens or auth.tokens_file; MODERATION_AUTH_TOKENS, "
        "MODERATION_AUTH_TOKENS_FILE)");
  }
  if (missing.empty()) {
    return warnings;
  }
  if (!config.insecure) {
    return absl::FailedPreconditionError(absl::StrCat(
        "listen address ", config.listen, " is reachable from other machines but has no ",
        absl::StrJoin(missing, " and no "),
        "; set them, or set insecure = true (MODERATION_INSECURE=1) to serve anyway"));
  }
  if (!tls) {
    warnings.push_back(absl::StrCat("INSECURE: ", config.listen,
                                    " serves plaintext gRPC (insecure = true): tokens and "
                                    "comments cross the network in clear"));
  }
  if (!tokens_configured) {
    warnings.push_back(absl::StrCat("INSECURE: ", config.listen,
                                    " accepts every call without a token (insecure = true): "
                                    "anyone who reaches it can moderate and ban"));
  }
  return warnings;
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const config::TlsSettings& tls, std::vector<std::string>& warnings) {
  if (tls.cert_file.empty()) {
    return grpc::InsecureServerCredentials();
  }
  ASSIGN_OR_RETURN(std::string cert_pem, ReadSettingFile("tls.cert_file", tls.cert_file));
  ASSIGN_OR_RETURN(std::string key_pem, ReadSettingFile("tls.key_file", tls.key_file));
  RETURN_IF_ERROR(CheckKeyPair(tls, cert_pem, key_pem, warnings));
  grpc::SslServerCredentialsOptions options(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  if (!tls.client_ca_file.empty()) {
    ASSIGN_OR_RETURN(options.pem_root_certs,
                     ReadSettingFile("tls.client_ca_file", tls.client_ca_file));
    if (FirstCertificate(options.pem_root_certs) == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("tls.client_ca_file: ", tls.client_ca_file, " holds no PEM certificate"));
    }
    options.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  options.pem_key_cert_pairs.push_back({std::move(key_pem), std::move(cert_pem)});
  return grpc::SslServerCredentials(options);
}

namespace {

// Replaces `path` with `contents` in one rename, so a reader sees the old file
// or the new one, never a mix.
absl::Status ReplaceFile(const std::string& path, const std::string& contents) {
  const std::string partial = path + ".new";
  const int fd = open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::InternalError(absl::StrCat("cannot write ", partial, ": ", std::strerror(errno)));
  }
  std::size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n = write(fd, contents.data() + written, contents.size() - written);
    if (n <= 0) {
      close(fd);
      return absl::InternalError(absl::StrCat("cannot write ", partial));
    }
    written += static_cast<std::size_t>(n);
  }
  close(fd);
  if (rename(partial.c_str(), path.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("cannot rename ", partial, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<ReloadableTls>> ReloadableTls::Create(
    const config::TlsSettings& tls, std::vector<std::string>& warnings) {
  const char* tmp = getenv("TMPDIR");
  std::string pattern =
      absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp", "/moderation-tls-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError(
        absl::StrCat("cannot create a private directory for TLS files: ", std::strerror(errno)));
  }
  std::unique_ptr<ReloadableTls> reloadable(new ReloadableTls(tls, pattern));
  RETURN_IF_ERROR(reloadable->WriteCopies(warnings));
  const std::string identity = reloadable->dir_ + "/identity.pem";
  const std::string roots = tls.client_ca_file.empty() ? "" : reloadable->dir_ + "/client-ca.pem";
  auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      identity, identity, roots, /*refresh_interval_sec=*/1);
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_identity_key_cert_pairs();
  if (!roots.empty()) {
    options.watch_root_certs();
    options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  } else {
    options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  }
  reloadable->credentials_ = grpc::experimental::TlsServerCredentials(options);
  if (reloadable->credentials_ == nullptr) {
    return absl::InternalError("gRPC refused the TLS credentials");
  }
  return reloadable;
}

ReloadableTls::~ReloadableTls() {
  for (const char* name :
       {"/identity.pem", "/client-ca.pem", "/identity.pem.new", "/client-ca.pem.new"}) {
    unlink((dir_ + name).c_str());
  }
  rmdir(dir_.c_str());
}

absl::Status ReloadableTls::WriteCopies(std::vector<std::string>& warnings) {
  ASSIGN_OR_RETURN(std::string cert_pem, ReadSettingFile("tls.cert_file", tls_.cert_file));
  ASSIGN_OR_RETURN(std::string key_pem, ReadSettingFile("tls.key_file", tls_.key_file));
  RETURN_IF_ERROR(CheckKeyPair(tls_, cert_pem, key_pem, warnings));
  std::string client_ca;
  if (!tls_.client_ca_file.empty()) {
    ASSIGN_OR_RETURN(client_ca, ReadSettingFile("tls.client_ca_file", tls_.client_ca_file));
    if (FirstCertificate(client_ca) == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("tls.client_ca_file: ", tls_.client_ca_file, " holds no PEM certificate"));
    }
  }
  // PEM readers skip blocks of other kinds, so one file serves as both.
  RETURN_IF_ERROR(ReplaceFile(dir_ + "/identity.pem", absl::StrCat(key_pem, "\n", cert_pem)));
  if (!client_ca.empty()) {
    RETURN_IF_ERROR(ReplaceFile(dir_ + "/client-ca.pem", client_ca));
  }
  return absl::OkStatus();
}

absl::Status ReloadableTls::Reload(std::vector<std::string>& warnings) {
  return WriteCopies(warnings);
}

absl::StatusOr<auth::TokenTable> LoadTokens(const config::AuthSettings& settings) {
  std::vector<auth::TokenEntry> entries;
  for (std::size_t i = 0; i < settings.tokens.size(); ++i) {
    const config::TokenSettings& token = settings.tokens[i];
    entries.push_back({.name = token.name,
                       .role = token.role,
                       .sha256_hex = token.sha256,
                       .origin = absl::StrCat("auth.tokens[", i, "]")});
  }
  if (!settings.tokens_file.empty()) {
    ASSIGN_OR_RETURN(std::string text, ReadSettingFile("auth.tokens_file", settings.tokens_file));
    ASSIGN_OR_RETURN(std::vector<auth::TokenEntry> from_file,
                     auth::ParseTokenLines(text, settings.tokens_file));
    if (from_file.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("auth.tokens_file: ", settings.tokens_file,
                                                     " holds no name:role:sha256 line"));
    }
    entries.insert(entries.end(), from_file.begin(), from_file.end());
  }
  return auth::TokenTable::Create(entries);
}

}  // namespace moderation::server
