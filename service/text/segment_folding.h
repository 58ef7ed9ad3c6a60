#pragma once

// The one way text is case-folded for matching, by the spam rules and the
// learned classifier alike: NFKC_Casefold applied segment by segment.
//
// Normalisation works on segments, each starting at a character with a
// normalisation boundary before it (one that never combines with what
// precedes it); the normal form of a text is the concatenation of its
// segments' normal forms. Nearly every segment of a comment is one character
// whose folded form a table holds; the few longer ones (a letter followed by
// combining accents, as some keyboards type Vietnamese; an emoji and its
// variation selector) go through ICU, segment by segment, with the same
// result as ICU folding the whole text. Header-only: this loop is the hot path
// of scoring a comment.
//
// Each user brings its own table, because they fold differently on purpose:
// the rules also map look-alike letters of other scripts to Latin ones; the
// classifier's features keep them (its trained weights depend on it).

#include <unicode/utf8.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace moderation::text {

// What FoldBySegments asks of a fold (`Fold` below):
//
//   // The table's entry for a character beyond ASCII, or null past the table.
//   const Entry* Find(UChar32 c) const;
//   //   entry->boundary     never combines with the character before it
//   //   entry->folds_alone  its folded form below is right for a segment of
//   //                       its own (else the segment goes to FoldSegment)
//   //   entry->Folded()     that folded form (std::string_view)
//   // For characters past the table: whether one starts a segment, and
//   // whether one folds to itself.
//   bool HasBoundaryBefore(UChar32 c) const;
//   bool FoldsToItself(UChar32 c) const;
//   // Appends the folded form of one segment (well-formed UTF-8) to `out`.
//   void FoldSegment(std::string_view segment, std::string& out) const;
//
// `seen(c, entry)` is called for every character, before folding (entry null
// for ASCII and past the table): for counting letters, say.
//
// Appends the folded `utf8` to `out` (cleared first). False, leaving `out`
// unfinished, at malformed UTF-8: callers decide what a broken text becomes.
template <typename Fold, typename Seen>
bool FoldBySegments(std::string_view utf8, const Fold& fold, std::string& out, Seen&& seen) {
  out.clear();
  out.reserve(utf8.size() + 8);
  const auto* bytes = reinterpret_cast<const uint8_t*>(utf8.data());
  const auto length = static_cast<int32_t>(utf8.size());
  // The segment being folded: where it starts in `utf8` and in `out`, and
  // whether a character combined with it (then ICU folds it as a whole).
  int32_t segment_start = 0;
  std::size_t segment_out = 0;
  bool segment_combines = false;
  const auto fold_segment_with_icu = [&](int32_t end) {
    out.resize(segment_out);
    fold.FoldSegment(utf8.substr(static_cast<std::size_t>(segment_start),
                                 static_cast<std::size_t>(end - segment_start)),
                     out);
  };
  for (int32_t i = 0; i < length;) {
    const int32_t start = i;
    UChar32 c = 0;
    U8_NEXT(bytes, i, length, c);
    if (c < 0) {
      return false;
    }
    if (c < 0x80) {
      // ASCII: a segment of its own, folded by lower-casing.
      seen(c, nullptr);
      if (segment_combines) {
        fold_segment_with_icu(start);
        segment_combines = false;
      }
      segment_start = start;
      segment_out = out.size();
      out.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
      continue;
    }
    const auto* entry = fold.Find(c);
    seen(c, entry);
    const bool boundary = entry != nullptr ? entry->boundary : fold.HasBoundaryBefore(c);
    if (!boundary) {
      segment_combines = true;
      continue;
    }
    if (segment_combines) {
      fold_segment_with_icu(start);
      segment_combines = false;
    }
    segment_start = start;
    segment_out = out.size();
    if (entry != nullptr && entry->folds_alone) {
      const std::string_view folded = entry->Folded();
      if (folded.size() == 1) {
        out.push_back(folded[0]);
      } else {
        out.append(folded);
      }
    } else if (entry == nullptr && fold.FoldsToItself(c)) {
      // Rarer characters (emoji, CJK...) that folding leaves alone.
      out.append(utf8.data() + start, static_cast<std::size_t>(i - start));
    } else {
      // Say a character folding drops or expands beyond the table's room.
      segment_combines = true;
    }
  }
  if (segment_combines) {
    fold_segment_with_icu(length);
  }
  return true;
}

}  // namespace moderation::text
