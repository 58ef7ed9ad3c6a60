#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "service/spam/spam_rules.h"

namespace moderation::spam {

// One rule that fired on a comment, kept with the comment so moderators see
// why it was flagged.
struct Signal {
  std::string rule;     // stable name, e.g. "suspect_words"
  double score = 0;     // what it added (even in shadow mode)
  std::string detail;   // what matched, e.g. "vay tiền, cá độ"
  bool shadow = false;  // reported only, not counted
};

// What scoring needs from a submission (already validated and in NFC).
struct SpamInput {
  absl::string_view name;
  absl::string_view title;
  absl::string_view body;
  absl::string_view honeypot;
  // From the captcha's issue to the submission, when known.
  std::optional<absl::Duration> since_captcha;
};

// The learned filter, as the scorer sees it.
class SpamModel {
 public:
  virtual ~SpamModel() = default;
  // In [0, 1]. Thread-safe.
  [[nodiscard]] virtual double SpamProbability(absl::string_view text) const = 0;
};

// What the scorer wants the shared memory of recent comments to answer:
// has this body been posted before, and have other authors posted nearly the
// same text (see SpamMemory).
struct BodyTraces {
  std::string normalized_body;      // folded, unaccented, words joined by spaces
  std::optional<uint64_t> simhash;  // set when the body is long enough to compare
  bool repeat_eligible = false;     // long enough for the exact-repeat rule
};

struct Recollection {
  int64_t earlier_copies = 0;      // same normalised body within the window
  int near_duplicate_authors = 0;  // other authors with a near-identical body
};

// The local half of a verdict: every rule that needs no shared state.
struct Examination {
  std::shared_ptr<const SpamRules> rules;
  std::vector<Signal> signals;
  BodyTraces traces;
};

enum class SpamAction { kQueue, kFlag, kReject };

struct Verdict {
  SpamAction action = SpamAction::kQueue;
  double score = 0;             // the sum of the signals not in shadow mode
  std::vector<Signal> signals;  // every rule that fired, shadow ones included
  std::string refusal_reason;   // when rejected: stable code for the reader
  bool discard = false;         // when rejected: accept silently, store nothing
};

// What the memory of recent comments found that counts for the verdict (an
// exact copy is also a near-duplicate; one piece of evidence counts once).
enum class MemoryFinding { kNothing, kRepeat, kNearDuplicate };
[[nodiscard]] MemoryFinding FindingOf(const BodyTraces& traces, int near_duplicate_min_authors,
                                      const Recollection& recollection);

// The verdict for each finding, for a store that recalls, decides and records
// in one step. The count in the repeat or near-duplicate signal's detail is
// kCountMark, for the store to replace with what it recalled (the number of
// copies including this one; the number of other authors).
inline constexpr char kCountMark = '\x01';
struct VerdictChoices {
  Verdict nothing;
  Verdict repeat;
  Verdict near_duplicate;

  [[nodiscard]] const Verdict& For(MemoryFinding finding) const {
    switch (finding) {
      case MemoryFinding::kRepeat:
        return repeat;
      case MemoryFinding::kNearDuplicate:
        return near_duplicate;
      case MemoryFinding::kNothing:
        break;
    }
    return nothing;
  }
};

// Scores comments with the configured rules and the learned filter. The rules
// can be replaced while comments are being scored: each comment is scored
// with one set from start to finish. Thread-safe.
class SpamScorer {
 public:
  // `model` may be null (no learned filter); it must outlive the scorer.
  SpamScorer(SpamRules rules, const SpamModel* model);

  void ReplaceRules(SpamRules rules);
  [[nodiscard]] std::shared_ptr<const SpamRules> rules() const;

  // Every local rule and the learned filter. Pure CPU work.
  [[nodiscard]] Examination Examine(const SpamInput& input) const;

  // Adds what the shared memory recalled and picks the action.
  [[nodiscard]] Verdict Decide(Examination examination, const Recollection& recollection) const;
  [[nodiscard]] VerdictChoices DecideEachWay(const Examination& examination) const;

 private:
  [[nodiscard]] Verdict DecideWith(Examination examination, MemoryFinding finding,
                                   absl::string_view count) const;

  mutable absl::Mutex mutex_;
  std::shared_ptr<const SpamRules> rules_ ABSL_GUARDED_BY(mutex_);
  const SpamModel* model_;
};

// 64-bit SimHash of a text's word 2-shingles (stable across processes and
// machines), and the number of bits two of them differ in.
[[nodiscard]] uint64_t SimHash(const std::vector<std::string>& words);
[[nodiscard]] uint64_t SimHash(const std::vector<Word>& words);  // of their plain forms
[[nodiscard]] int HammingDistance(uint64_t a, uint64_t b);

// The text the learned filter reads for a comment.
[[nodiscard]] std::string ClassifierText(absl::string_view title, absl::string_view body);

}  // namespace moderation::spam
