#pragma once

#include <grpcpp/support/status.h>

#include <map>
#include <string>

namespace moderation::portal {

// What a reader is shown when a call to the service fails: the portal's whole
// mapping from gRPC status to page (docs/portal.md has it as a table).
struct ReaderError {
  // The HTTP status of the page that shows it.
  int http_status = 500;
  // Vietnamese text for the top of the form; empty when the field messages
  // say it all.
  std::string message;
  // Form field name ("name", "captcha_answer", ...) to the service's
  // Vietnamese message for it.
  std::map<std::string, std::string> field_errors;
  // Seconds before trying again is worth it (sent as Retry-After; the page
  // holds its submit button that long); 0 when not given.
  int retry_after_seconds = 0;
  // The comment may have been stored (the answer was lost): the form keeps
  // its idempotency key, so sending it again cannot post it twice.
  bool keep_idempotency_key = false;
  // For the portal's log: code and reason, never what the reader typed.
  std::string log_summary;
};

// Maps a failed call. `retry_after_trailer` is the `retry-after` trailing
// metadata in seconds (0 if absent); ErrorDetail.retry_after wins when set.
[[nodiscard]] ReaderError ToReaderError(const grpc::Status& status, int retry_after_trailer);

// The form field that shows a request field's violation: the captcha's id is
// shown at its answer, the proof of work's payload at its widget; fields the
// reader did not type ("article_id", "client_ip", ...) map to "" (the top of
// the form).
[[nodiscard]] std::string FormFieldOf(const std::string& request_field);

}  // namespace moderation::portal
