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

// The tokens of auth.tokens and auth.tokens_file. INVALID_ARGUMENT or
// NOT_FOUND naming the setting (never a token) for a bad entry or an
// unreadable or empty file.
[[nodiscard]] absl::StatusOr<auth::TokenTable> LoadTokens(const config::AuthSettings& settings);

}  // namespace moderation::server
