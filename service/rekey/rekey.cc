#include "service/rekey/rekey.h"

#include "service/common/status_macros.h"

namespace moderation::rekey {

absl::StatusOr<RekeyCounts> Reseal(SealedFieldStore& store, const crypto::FieldCipher& cipher,
                                   RandomSource& random, const RekeyOptions& options) {
  RekeyCounts counts;
  std::string cursor = options.cursor;
  do {
    ASSIGN_OR_RETURN(ScanPage page, store.Scan(cursor, options.batch));
    for (const SealedField& field : page.fields) {
      ++counts.scanned;
      absl::StatusOr<std::string> key_id = crypto::FieldCipher::KeyIdOf(field.sealed);
      if (key_id.ok() && *key_id == cipher.key_id()) {
        ++counts.current;
        continue;
      }
      absl::StatusOr<std::string> plain = cipher.Open(field.sealed);
      if (!plain.ok()) {
        ++counts.unreadable;
        continue;
      }
      ASSIGN_OR_RETURN(bool swapped, store.CompareAndSwap(field, cipher.Seal(*plain, random)));
      ++(swapped ? counts.resealed : counts.changed);
    }
    cursor = page.next_cursor;
    if (options.progress) {
      options.progress(counts, cursor);
    }
  } while (cursor != "0");
  return counts;
}

}  // namespace moderation::rekey
