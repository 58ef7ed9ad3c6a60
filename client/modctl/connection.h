#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace moderation::modctl {

// How to reach the server.
struct TlsOptions {
  bool enabled = false;   // TLS; implied by any file below
  std::string ca_file;    // PEM roots that sign the server's certificate; system roots if empty
  std::string cert_file;  // client certificate (mutual TLS), with key_file
  std::string key_file;
  std::string server_name;  // name to check the certificate against, if not the address's host
};

// A channel to `server`, plaintext unless `tls` asks for TLS. Nothing is sent
// yet. INVALID_ARGUMENT naming the option for an unreadable file or a
// certificate without its key (or the reverse).
[[nodiscard]] absl::StatusOr<std::shared_ptr<grpc::Channel>> OpenChannel(const std::string& server,
                                                                         const TlsOptions& tls);

}  // namespace moderation::modctl
