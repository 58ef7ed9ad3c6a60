#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace moderation::rekey {

// One sealed value at rest: the record that holds it and the value itself.
struct SealedField {
  std::string record;
  std::string sealed;
};

// One step of a scan: the sealed values found, and where the next step starts
// ("0" once the scan has gone round).
struct ScanPage {
  std::vector<SealedField> fields;
  std::string next_cursor;
};

// Where the sealed phone numbers live, as a key rotation needs it: walked in
// small steps, each value replaced only if it is still what was read. Blocking;
// for a command-line tool, not for a server's request threads.
class SealedFieldStore {
 public:
  virtual ~SealedFieldStore() = default;

  // About `count` records from `cursor` ("0" to start); records without a
  // sealed value are left out. UNAVAILABLE when the store cannot be reached.
  [[nodiscard]] virtual absl::StatusOr<ScanPage> Scan(absl::string_view cursor, int count) = 0;

  // Writes `replacement` if the record still holds `field.sealed`: true if
  // written, false if the value changed or vanished meanwhile.
  [[nodiscard]] virtual absl::StatusOr<bool> CompareAndSwap(const SealedField& field,
                                                            absl::string_view replacement) = 0;
};

}  // namespace moderation::rekey
