// The spam rules file parser on hostile TOML: an error or a valid set of
// rules, never a crash.
#include <cstddef>
#include <cstdint>

#include "service/spam/spam_rules.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  const absl::StatusOr<moderation::spam::SpamRules> rules =
      moderation::spam::ParseSpamRules(input, "fuzz.toml");
  if (rules.ok() && rules->thresholds.flag > rules->thresholds.reject) {
    __builtin_trap();
  }
  if (!rules.ok() && rules.status().code() != absl::StatusCode::kInvalidArgument) {
    __builtin_trap();
  }
  return 0;
}
