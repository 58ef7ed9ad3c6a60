#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace moderation::classifier {

// A sparse feature vector: `indices` strictly increasing, `values[k]` belongs to `indices[k]`.
// What Extract returns is also what a learning event carries between replicas.
struct FeatureVector {
  std::vector<uint32_t> indices;
  std::vector<float> values;
};

// The probability above which the shipped defaults call a comment spam. Chosen once for all
// the evaluation sets (see docs/spam-classifier.md).
inline constexpr double kDefaultSpamThreshold = 0.5;

struct LabelledFeatures {
  FeatureVector features;
  bool is_spam = false;
};

// Batch training. The defaults are the shipped ones.
struct TrainingOptions {
  // Inverse strength of the L2 penalty (LIBLINEAR's C).
  double regularization = 30.0;
  // Weight each class by n / (2 · n_class) so that a rare class is not drowned.
  bool balance_classes = true;
  // Coordinate-descent passes at most, and the stopping tolerance on the dual gradient.
  int max_passes = 200;
  double tolerance = 0.1;
  // Orders the coordinates; the same seed and examples give the same model bit for bit.
  uint64_t seed = 1;
  // log2 of the number of hashed feature buckets (16..24).
  int hash_bits = 20;
  // How far one online Learn step moves the score of its own example, in log-odds, when the
  // model was sure of the opposite label.
  double online_step = 0.5;
};

// A spam classifier over hashed word and character n-grams: log-count-ratio (naive Bayes)
// scaled features fed to a logistic regression (NB-LR), trained in batch by dual coordinate
// descent and updated online one labelled example at a time.
//
// Scoring never blocks: weights are read with relaxed atomic loads, so a score that runs
// while Learn is updating may mix old and new weights of different features. Learn calls are
// serialised with each other.
class SpamClassifier {
 public:
  // An empty model: every comment scores 0.5 until it learns. A `hash_bits` outside 16..24
  // means the default.
  static SpamClassifier Untrained(int hash_bits = TrainingOptions{}.hash_bits);

  // Trains a model on `examples`, which must have been made by Extract of a classifier with
  // the same `options.hash_bits`. INVALID_ARGUMENT when a class has no example or an option
  // is out of range.
  static absl::StatusOr<SpamClassifier> Train(absl::Span<const LabelledFeatures> examples,
                                              const TrainingOptions& options = {});

  // Reads what Serialize wrote. INVALID_ARGUMENT for anything else (wrong magic or version,
  // truncation, a bad checksum, out-of-range fields); never crashes on hostile input.
  static absl::StatusOr<SpamClassifier> Parse(std::string_view serialized);

  SpamClassifier(SpamClassifier&& other) noexcept;
  SpamClassifier& operator=(SpamClassifier&& other) noexcept;
  ~SpamClassifier();

  // A versioned, checksummed binary snapshot of the whole model. Thread-safe.
  [[nodiscard]] std::string Serialize() const;

  // Features of a comment: NFKC case-folded text (with Vietnamese diacritic-free variants of
  // its words), word uni-, bi- and trigrams, character 2–5-grams and a few shape features.
  // Thread-safe; any bytes are accepted (malformed UTF-8 counts as U+FFFD).
  [[nodiscard]] FeatureVector Extract(std::string_view text) const;

  // Probability in [0, 1] that the comment is spam. Thread-safe, lock-free, may run while
  // Learn runs. Entries with an index out of range or a non-finite value are ignored.
  [[nodiscard]] double SpamProbability(const FeatureVector& features) const;

  // Online update with a moderator's decision: updates the naive Bayes counts and takes one
  // normalised logistic-regression step. Deterministic: the same sequence of calls on the same
  // starting model gives the same model bit for bit. Entries with an index out of range or a
  // non-finite value are ignored. Thread-safe.
  void Learn(const FeatureVector& features, bool is_spam);

  // Number of examples the model was trained or updated with, per class.
  [[nodiscard]] uint64_t spam_examples() const;
  [[nodiscard]] uint64_t ham_examples() const;
  [[nodiscard]] int hash_bits() const;

 private:
  struct Model;
  explicit SpamClassifier(std::unique_ptr<Model> model);

  std::unique_ptr<Model> model_;
};

}  // namespace moderation::classifier
