// The spam rules on hostile text: normalisation, word lists, patterns and the
// verdict, with the shipped rules file. The input is "name NUL title NUL body".
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "service/spam/spam_rules.h"
#include "service/spam/spam_scorer.h"
#include "service/spam/text_analysis.h"

namespace {

const moderation::spam::SpamScorer& Scorer() {
  static const auto* scorer = [] {
    absl::StatusOr<moderation::spam::SpamRules> rules =
        moderation::spam::LoadSpamRules(MODERATION_SOURCE_DIR "/deploy/spam-rules.toml");
    if (!rules.ok()) {
      __builtin_trap();
    }
    return new moderation::spam::SpamScorer(*std::move(rules), nullptr);
  }();
  return *scorer;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<absl::string_view> parts = absl::StrSplit(input, absl::MaxSplits('\0', 2));
  parts.resize(3);
  moderation::spam::SpamInput spam_input;
  spam_input.name = parts[0];
  spam_input.title = parts[1];
  spam_input.body = parts[2];
  const moderation::spam::Examination examination = Scorer().Examine(spam_input);
  moderation::spam::Recollection recollection;
  recollection.earlier_copies = static_cast<int64_t>(size % 3);
  recollection.near_duplicate_authors = static_cast<int>(size % 2);
  const moderation::spam::Verdict verdict = Scorer().Decide(examination, recollection);
  if (!std::isfinite(verdict.score)) {
    __builtin_trap();
  }
  // The shortcut and the reference normalisation agree on valid text.
  const moderation::spam::AnalyzedText fast = moderation::spam::AnalyzeText(parts[2]);
  const moderation::spam::AnalyzedText reference =
      moderation::spam::internal::AnalyzeTextWithIcu(parts[2]);
  if (fast.folded != reference.folded || fast.words.size() != reference.words.size()) {
    __builtin_trap();
  }
  return 0;
}
