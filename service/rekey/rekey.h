#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "service/common/random.h"
#include "service/crypto/crypto.h"
#include "service/rekey/sealed_field_store.h"

namespace moderation::rekey {

struct RekeyCounts {
  int64_t scanned = 0;     // sealed values seen
  int64_t resealed = 0;    // sealed again under the current key
  int64_t current = 0;     // already under the current key
  int64_t changed = 0;     // changed by someone else between read and write: left alone
  int64_t unreadable = 0;  // no configured key opens them (unknown key id, tampered)
};

struct RekeyOptions {
  // Where to start: "0", or the cursor a previous run printed last.
  std::string cursor = "0";
  int batch = 100;
  // Told after every batch, with the cursor to resume from. Optional.
  std::function<void(const RekeyCounts&, const std::string& next_cursor)> progress;
};

// Seals every value in `store` that is not under `cipher`'s current key again
// under it, one compare-and-swap per value, so that a concurrent write is never
// overwritten. Idempotent: a run interrupted anywhere can be started again, from
// the last cursor or from the start. Values no key opens are counted, left as
// they are, and do not stop the run. Returns the first store error.
[[nodiscard]] absl::StatusOr<RekeyCounts> Reseal(SealedFieldStore& store,
                                                 const crypto::FieldCipher& cipher,
                                                 RandomSource& random, const RekeyOptions& options);

}  // namespace moderation::rekey
