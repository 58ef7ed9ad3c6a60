#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace moderation::validation {

// Parses a Vietnamese phone number written the usual ways ("0912 345 678",
// "+84 912.345.678", "84912345678", "(028) 3823 4567") and returns it in E.164
// ("+84912345678"). INVALID_ARGUMENT when it is not a valid Vietnamese number.
// Thread-safe.
[[nodiscard]] absl::StatusOr<std::string> NormalizeVietnamesePhone(absl::string_view raw);

// Shows only the country code, the first and the last two digits of an E.164
// number: "+84912345645" → "+84 9•• ••• •45".
[[nodiscard]] std::string MaskPhone(absl::string_view e164);

}  // namespace moderation::validation
