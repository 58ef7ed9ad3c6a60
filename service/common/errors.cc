#include "service/common/errors.h"

#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace moderation {
namespace {

// Payload keys. Our own codes and messages never contain the separators.
constexpr absl::string_view kViolationsUrl = "moderation/field-violations";
constexpr absl::string_view kReasonUrl = "moderation/reason";
constexpr absl::string_view kMessageUrl = "moderation/message";
constexpr absl::string_view kRetryAfterUrl = "moderation/retry-after-ms";
constexpr char kUnitSeparator = '\x1f';
constexpr char kRecordSeparator = '\x1e';

std::string PayloadString(const absl::Status& status, absl::string_view url) {
  absl::optional<absl::Cord> payload = status.GetPayload(url);
  return payload ? std::string(*payload) : std::string();
}

}  // namespace

absl::Status InvalidFields(std::vector<FieldViolation> violations) {
  std::vector<std::string> records;
  std::vector<std::string> names;
  records.reserve(violations.size());
  for (const FieldViolation& violation : violations) {
    records.push_back(absl::StrCat(violation.field, std::string(1, kUnitSeparator),
                                   violation.reason, std::string(1, kUnitSeparator),
                                   violation.message));
    names.push_back(absl::StrCat(violation.field, " (", violation.reason, ")"));
  }
  absl::Status status =
      absl::InvalidArgumentError(absl::StrCat("invalid field(s): ", absl::StrJoin(names, ", ")));
  status.SetPayload(kViolationsUrl,
                    absl::Cord(absl::StrJoin(records, std::string(1, kRecordSeparator))));
  status.SetPayload(kReasonUrl, absl::Cord("INVALID_FIELDS"));
  if (violations.size() == 1) {
    status.SetPayload(kMessageUrl, absl::Cord(violations.front().message));
  }
  return status;
}

absl::Status ErrorWithReason(absl::StatusCode code, absl::string_view reason,
                             absl::string_view vietnamese_message,
                             absl::string_view internal_message) {
  absl::Status status(code, internal_message.empty() ? reason : internal_message);
  status.SetPayload(kReasonUrl, absl::Cord(reason));
  status.SetPayload(kMessageUrl, absl::Cord(vietnamese_message));
  return status;
}

absl::Status ErrorWithReasonCode(absl::StatusCode code, absl::string_view reason,
                                 absl::string_view internal_message) {
  absl::Status status(code, internal_message);
  status.SetPayload(kReasonUrl, absl::Cord(reason));
  return status;
}

absl::Status StorageUnavailable(absl::string_view detail) {
  absl::Status status = ErrorWithReasonCode(absl::StatusCode::kUnavailable, "STORAGE_UNAVAILABLE",
                                            absl::StrCat("storage: ", detail));
  SetRetryAfter(status, absl::Seconds(1));
  return status;
}

void SetRetryAfter(absl::Status& status, absl::Duration wait) {
  status.SetPayload(kRetryAfterUrl, absl::Cord(absl::StrCat(absl::ToInt64Milliseconds(wait))));
}

std::vector<FieldViolation> FieldViolationsOf(const absl::Status& status) {
  std::vector<FieldViolation> violations;
  const std::string payload = PayloadString(status, kViolationsUrl);
  if (payload.empty()) {
    return violations;
  }
  for (absl::string_view record : absl::StrSplit(payload, kRecordSeparator)) {
    std::vector<std::string> parts = absl::StrSplit(record, kUnitSeparator);
    if (parts.size() == 3) {
      violations.push_back({std::move(parts[0]), std::move(parts[1]), std::move(parts[2])});
    }
  }
  return violations;
}

std::string ReasonOf(const absl::Status& status) { return PayloadString(status, kReasonUrl); }

std::string VietnameseMessageOf(const absl::Status& status) {
  return PayloadString(status, kMessageUrl);
}

std::optional<absl::Duration> RetryAfterOf(const absl::Status& status) {
  int64_t millis = 0;
  const std::string payload = PayloadString(status, kRetryAfterUrl);
  if (payload.empty() || !absl::SimpleAtoi(payload, &millis)) {
    return std::nullopt;
  }
  return absl::Milliseconds(millis);
}

}  // namespace moderation
