#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

// Errors that a client must be able to act on carry, besides the status code,
// a stable reason code, a Vietnamese message and, for bad fields, one violation
// per field. They ride in absl::Status payloads so that domain code stays free of
// protobuf; api/ turns them into the gRPC error detail.
namespace moderation {

struct FieldViolation {
  std::string field;    // proto field name, e.g. "phone"
  std::string reason;   // stable code, e.g. "PHONE_INVALID"
  std::string message;  // Vietnamese, fit to show a reader

  friend bool operator==(const FieldViolation&, const FieldViolation&) = default;
};

// INVALID_ARGUMENT naming every bad field, reason INVALID_FIELDS.
// `violations` must not be empty. With one violation, its message is the
// status's; with more, api/ says to check the fields.
absl::Status InvalidFields(std::vector<FieldViolation> violations);

// Any status with a stable reason code and a Vietnamese message attached.
absl::Status ErrorWithReason(absl::StatusCode code, absl::string_view reason,
                             absl::string_view vietnamese_message,
                             absl::string_view internal_message = {});

// A status with a stable reason code whose reader's message api/ writes
// from the code (service/api/reader_messages.h).
absl::Status ErrorWithReasonCode(absl::StatusCode code, absl::string_view reason,
                                 absl::string_view internal_message);

// UNAVAILABLE for a storage outage; `detail` is logged, never sent.
absl::Status StorageUnavailable(absl::string_view detail);

// Attaches how long the client should wait before retrying.
void SetRetryAfter(absl::Status& status, absl::Duration wait);

std::vector<FieldViolation> FieldViolationsOf(const absl::Status& status);
std::string ReasonOf(const absl::Status& status);
// The Vietnamese message `status` carries; empty when api/ writes it.
std::string VietnameseMessageOf(const absl::Status& status);
std::optional<absl::Duration> RetryAfterOf(const absl::Status& status);

}  // namespace moderation
