#pragma once

#include <grpcpp/security/server_credentials.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "service/auth/access_policy.h"
#include "service/config/config.h"

// Transport security and callers' tokens, as configured: what the gRPC port
// is served with and who may call it.
namespace moderation::server {

// Whether the server may serve as configured. On loopback anything goes;
// on any other address it needs TLS (tls.cert_file) and tokens (auth.*),
// unless `insecure`. Returns the warnings to log, or FAILED_PRECONDITION
// naming the settings to set.
[[nodiscard]] absl::StatusOr<std::vector<std::string>> CheckExposure(
    const config::ServerConfig& config, bool tokens_configured);

// The credentials of the gRPC port: TLS from tls.cert_file and tls.key_file
// (checked to parse and to belong together), requiring client certificates
// signed by tls.client_ca_file when set; plaintext when no certificate is
// configured. INVALID_ARGUMENT or NOT_FOUND naming the setting otherwise.
// `warnings` gets a line when the certificate has expired or soon will.
[[nodiscard]] absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const config::TlsSettings& tls, std::vector<std::string>& warnings);

// TLS served from checked copies of the configured files, so that new
// certificates take effect without a restart and a bad new file never does:
// Reload reads the files again and, only when they pass the checks of
// MakeServerCredentials, replaces the copies that gRPC's certificate watcher
// reads (each second). Connections already open keep their session; new ones
// get the new certificate. The copies live in a private directory under
// $TMPDIR (or /tmp), removed on destruction; key and certificate share one
// file, replaced in one rename, so gRPC never reads a key with the wrong
// certificate.
class ReloadableTls {
 public:
  // `tls.cert_file` must be set. Errors as MakeServerCredentials, or
  // INTERNAL when the private directory cannot be written.
  static absl::StatusOr<std::unique_ptr<ReloadableTls>> Create(const config::TlsSettings& tls,
                                                               std::vector<std::string>& warnings);
  ~ReloadableTls();
  ReloadableTls(const ReloadableTls&) = delete;
  ReloadableTls& operator=(const ReloadableTls&) = delete;

  [[nodiscard]] std::shared_ptr<grpc::ServerCredentials> credentials() const {
    return credentials_;
  }
  // OK: the files now configured are served to new connections within about
  // a second. Otherwise what is wrong with them; what is served is kept.
  absl::Status Reload(std::vector<std::string>& warnings);

 private:
  ReloadableTls(config::TlsSettings tls, std::string dir)
      : tls_(std::move(tls)), dir_(std::move(dir)) {}
  absl::Status WriteCopies(std::vector<std::string>& warnings);

  const config::TlsSettings tls_;
  const std::string dir_;
  std::shared_ptr<grpc::ServerCredentials> credentials_;
};

// The tokens of auth.tokens and auth.tokens_file. INVALID_ARGUMENT or
// NOT_FOUND naming the setting (never a token) for a bad entry or an
// unreadable or empty file.
[[nodiscard]] absl::StatusOr<auth::TokenTable> LoadTokens(const config::AuthSettings& settings);

}  // namespace moderation::server
