// Request validation: every field of a submission from hostile bytes. The
// input is cut into the ten fields at NUL bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "service/common/errors.h"
#include "service/validation/submission_fields.h"
#include "service/validation/unicode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<absl::string_view> fields = absl::StrSplit(input, absl::MaxSplits('\0', 10));
  fields.resize(11);
  moderation::validation::RawSubmission raw;
  raw.article_id = fields[0];
  raw.name = fields[1];
  raw.phone = fields[2];
  raw.title = fields[3];
  raw.body = fields[4];
  raw.captcha_id = fields[5];
  raw.captcha_answer = fields[6];
  raw.client_ip = fields[7];
  raw.user_agent = fields[8];
  raw.idempotency_key = fields[9];
  raw.honeypot = fields[10];
  const absl::StatusOr<moderation::validation::ValidSubmission> valid =
      moderation::validation::ValidateSubmission(raw, moderation::validation::FieldLimits{});
  if (valid.ok()) {
    // What passed is what the rest of the service relies on.
    if (!moderation::validation::IsValidUtf8(valid->body) ||
        !moderation::validation::IsValidUtf8(valid->name) || valid->article_id.empty()) {
      __builtin_trap();
    }
  } else if (valid.status().code() != absl::StatusCode::kInvalidArgument ||
             moderation::FieldViolationsOf(valid.status()).empty()) {
    // Every refusal names at least one field.
    __builtin_trap();
  }
  return 0;
}
