#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace moderation::testing {

// Throwaway certificates for TLS tests, as PEM files in a directory: a CA,
// a server certificate for localhost and 127.0.0.1 signed by it, a client
// certificate signed by it, and a second, unrelated CA with a client
// certificate of its own. EC P-256 keys, valid from an hour ago for
// `valid_days`.
struct TestPki {
  std::string ca_cert;
  std::string server_cert;
  std::string server_key;
  std::string client_cert;  // CN "lan", for mutual TLS
  std::string client_key;
  std::string other_ca_cert;
  std::string other_client_cert;  // signed by other_ca_cert
  std::string other_client_key;
};

// Writes the files into `dir` (which must exist) and returns their paths.
absl::StatusOr<TestPki> WriteTestPki(const std::string& dir, int valid_days = 30);

// The contents of a file, "" when it cannot be read.
std::string ReadTextFile(const std::string& path);

}  // namespace moderation::testing
