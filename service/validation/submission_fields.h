#pragma once

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace moderation::validation {

// Configured limits on what a reader may send. Lengths count Unicode code
// points after NFC normalisation, except where they say bytes.
struct FieldLimits {
  std::size_t name_max_chars = 100;
  std::size_t title_max_chars = 200;
  std::size_t body_max_chars = 5000;
  std::size_t user_agent_max_bytes = 512;
  std::size_t idempotency_key_max_bytes = 128;
  std::size_t captcha_answer_max_bytes = 32;
  std::size_t article_id_max_bytes = 64;
  // Combining marks stacked on one character (Vietnamese in NFC needs none;
  // Thai and Indic scripts need two or three); more is "Zalgo" text.
  std::size_t combining_marks_max = 4;
  // Accept a loopback or unspecified client_ip (a portal tried out on one
  // machine, where the reader is the machine itself). Off in production: such
  // an address is the portal's own, and would make every reader one.
  bool local_client_ip_accepted = false;
  // CreateCaptcha and RefreshCaptcha without client_ip are refused: the
  // captcha limits count per reader address. Off only for a portal that
  // cannot forward it (the limits then count the portal as one reader).
  bool captcha_client_ip_required = true;
};

// A submission exactly as the portal sent it. Views into the request.
struct RawSubmission {
  absl::string_view article_id;
  absl::string_view name;
  absl::string_view phone;
  absl::string_view title;
  absl::string_view body;
  absl::string_view captcha_id;
  absl::string_view captcha_answer;
  absl::string_view client_ip;
  absl::string_view user_agent;
  absl::string_view idempotency_key;
  absl::string_view honeypot;        // the form's hidden trap field
  absl::string_view altcha_payload;  // the proof of work, checked by the pipeline
};

// A submission whose every field is well-formed and normalised.
struct ValidSubmission {
  std::string article_id;
  std::string name;
  std::string phone_e164;  // empty when none was given
  std::string title;
  std::string body;
  std::string captcha_id;
  std::string captcha_answer;
  std::string client_ip;       // canonical
  std::string client_network;  // truncated display form
  std::string user_agent;
  std::string idempotency_key;
  bool honeypot_filled = false;  // the hidden trap field was not empty
};

// Checks every field and returns the normalised submission, or
// INVALID_ARGUMENT naming every bad field (in request order) with its reason
// code and a Vietnamese message. Pure; thread-safe.
[[nodiscard]] absl::StatusOr<ValidSubmission> ValidateSubmission(const RawSubmission& raw,
                                                                 const FieldLimits& limits);

// The reader's address as the portal forwarded it: its canonical form (""
// when it is absent and not `required`), or INVALID_ARGUMENT on client_ip with
// REQUIRED, INVALID_UTF8, INVALID_FORMAT or LOCAL_ADDRESS (loopback or
// unspecified, unless limits.local_client_ip_accepted).
[[nodiscard]] absl::StatusOr<std::string> ValidateClientIp(absl::string_view raw, bool required,
                                                           const FieldLimits& limits);

// Article ids: 1–`max_bytes` characters from [A-Za-z0-9._:-].
[[nodiscard]] bool IsValidArticleId(absl::string_view article_id, std::size_t max_bytes);

}  // namespace moderation::validation
