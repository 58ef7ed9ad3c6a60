#include "service/classifier/spam_classifier.h"

#include <openssl/sha.h>
#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <new>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "service/classifier/dual_logistic_regression.h"
#include "service/classifier/features.h"

namespace moderation::classifier {
namespace {

constexpr int kMinHashBits = 16;
constexpr int kMaxHashBits = 24;
// Laplace smoothing of the naive Bayes counts.
constexpr double kSmoothing = 1.0;
// Weights beyond this are not something training produces: a file holding one is corrupt.
constexpr double kMaxAbsWeight = 1e6;
constexpr double kMaxOnlineStep = 100;

constexpr char kMagic[8] = {'M', 'O', 'D', 'S', 'P', 'A', 'M', 'C'};
constexpr uint32_t kFormatVersion = 1;
constexpr std::size_t kHeaderSize = 8 + 4 * 4 + 8 * 2 + 8 * 3;
constexpr std::size_t kEntrySize = 16;
constexpr std::size_t kChecksumSize = SHA256_DIGEST_LENGTH;

bool ValidHashBits(int bits) { return bits >= kMinHashBits && bits <= kMaxHashBits; }

double Sigmoid(double z) {
  if (z >= 0) {
    return 1.0 / (1.0 + std::exp(-z));
  }
  const double e = std::exp(z);
  return e / (1.0 + e);
}

void PutU32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) {
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
}
void PutU64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) {
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
}
void PutF32(std::string& out, float v) {
  uint32_t bits = 0;
  std::memcpy(&bits, &v, sizeof bits);
  PutU32(out, bits);
}
void PutF64(std::string& out, double v) {
  uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof bits);
  PutU64(out, bits);
}

// Reads little-endian fields; the caller has checked the length first.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  uint32_t U32() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      v |= static_cast<uint32_t>(static_cast<unsigned char>(data_[at_ + i])) << (8 * i);
    }
    at_ += 4;
    return v;
  }
  uint64_t U64() {
    const uint64_t low = U32();
    const uint64_t high = U32();
    return low | (high << 32);
  }
  float F32() {
    const uint32_t bits = U32();
    float v = 0;
    std::memcpy(&v, &bits, sizeof v);
    return v;
  }
  double F64() {
    const uint64_t bits = U64();
    double v = 0;
    std::memcpy(&v, &bits, sizeof v);
    return v;
  }
  void Skip(std::size_t n) { at_ += n; }

 private:
  std::string_view data_;
  std::size_t at_ = 0;
};

std::string Sha256(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

absl::Status Corrupt(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("not a spam classifier model: ", what));
}

}  // namespace

// The model is NB-LR: feature j of a comment enters the logistic regression as r_j · x_j, where
// r_j = log((p_j + α) / (|p| + αV)) − log((q_j + α) / (|q| + αV)) is its naive Bayes
// log-count ratio (p_j, q_j: spam and ham examples that had it). Splitting r_j into
// rho_j = log(p_j + α) − log(q_j + α) and the shift c = log(|q| + αV) − log(|p| + αV) (V: buckets
// seen), which is common to all features, lets Learn update the counts of the features it sees
// without touching any other bucket. The score is bias + Σ (w_j rho_j + c w_j) x_j; `scaled` holds
// w_j rho_j so that a score reads two floats per feature and computes no logarithm.
struct SpamClassifier::Model {
  explicit Model(int bits)
      : hash_bits(bits),
        size(uint32_t{1} << bits),
        buckets(AllocateBuckets(size)),
        spam_count(size, 0),
        ham_count(size, 0) {}

  [[nodiscard]] double Rho(uint32_t j) const {
    return std::log(spam_count[j] + kSmoothing) - std::log(ham_count[j] + kSmoothing);
  }
  void RefreshScaled(uint32_t j) {  // NOLINT(readability-make-member-function-const): writes
    const double w = buckets[j].weight.load(std::memory_order_relaxed);
    buckets[j].scaled.store(static_cast<float>(w * Rho(j)), std::memory_order_relaxed);
  }
  void RefreshShift() {
    // At least one bucket, so that an empty model has a shift of 0 rather than log 0 − log 0.
    const double prior = kSmoothing * static_cast<double>(std::max<uint64_t>(seen_buckets, 1));
    shift.store(std::log(static_cast<double>(ham_total) + prior) -
                    std::log(static_cast<double>(spam_total) + prior),
                std::memory_order_relaxed);
  }
  void Count(uint32_t j, std::vector<uint32_t>& counts, uint64_t& total) {
    if (counts[j] == std::numeric_limits<uint32_t>::max()) {
      return;
    }
    if (spam_count[j] == 0 && ham_count[j] == 0) {
      ++seen_buckets;
    }
    ++counts[j];
    ++total;
  }
  [[nodiscard]] bool Usable(uint32_t index, float value) const {
    return index < size && std::isfinite(value);
  }

  const int hash_bits;
  const uint32_t size;
  double online_step = TrainingOptions{}.online_step;
  // A bucket's two floats side by side: a score reads both, and the buckets it reads are
  // scattered over megabytes, so each is one cache miss rather than two.
  struct Bucket {
    std::atomic<float> weight{0};
    std::atomic<float> scaled{0};  // weight · rho
  };
  static_assert(std::is_trivially_destructible_v<Bucket>);
  struct FreeBuckets {
    void operator()(Bucket* buckets) const { std::free(buckets); }
  };
  using Buckets = std::unique_ptr<Bucket[], FreeBuckets>;

  // On huge pages where the system allows it: a score reads a few hundred buckets at random
  // among megabytes, and on ordinary pages each read missed the TLB as well as the cache.
  static Buckets AllocateBuckets(uint32_t size) {
    constexpr std::size_t kHugePage = std::size_t{2} << 20;
    const std::size_t bytes = (sizeof(Bucket) * size + kHugePage - 1) / kHugePage * kHugePage;
    void* memory = std::aligned_alloc(kHugePage, bytes);
    if (memory == nullptr) {
      throw std::bad_alloc();
    }
#ifdef MADV_HUGEPAGE
    madvise(memory, bytes, MADV_HUGEPAGE);  // a hint: without it, ordinary pages
#endif
    auto* buckets = static_cast<Bucket*>(memory);
    std::uninitialized_value_construct_n(buckets, size);
    return Buckets(buckets);
  }

  Buckets buckets;
  std::atomic<double> bias{0};
  std::atomic<double> shift{0};
  std::atomic<uint64_t> spam_examples{0};
  std::atomic<uint64_t> ham_examples{0};

  // Held by Learn, Serialize and the builders; guards the counts below. A std::mutex, which
  // ThreadSanitizer understands even where abseil was not built for it. Scores never take it.
  mutable std::mutex mutex;
  std::vector<uint32_t> spam_count;
  std::vector<uint32_t> ham_count;
  uint64_t spam_total = 0;
  uint64_t ham_total = 0;
  // Buckets with a count: the vocabulary size of the naive Bayes smoothing.
  uint64_t seen_buckets = 0;
};

SpamClassifier::SpamClassifier(std::unique_ptr<Model> model) : model_(std::move(model)) {}
SpamClassifier::SpamClassifier(SpamClassifier&& other) noexcept = default;
SpamClassifier& SpamClassifier::operator=(SpamClassifier&& other) noexcept = default;
SpamClassifier::~SpamClassifier() = default;

SpamClassifier SpamClassifier::Untrained(int hash_bits) {
  if (!ValidHashBits(hash_bits)) {
    hash_bits = TrainingOptions{}.hash_bits;
  }
  auto model = std::make_unique<Model>(hash_bits);
  std::lock_guard lock(model->mutex);
  model->RefreshShift();
  return SpamClassifier(std::move(model));
}

absl::StatusOr<SpamClassifier> SpamClassifier::Train(absl::Span<const LabelledFeatures> examples,
                                                     const TrainingOptions& options) {
  if (!ValidHashBits(options.hash_bits)) {
    return absl::InvalidArgumentError(
        absl::StrCat("hash_bits must be in [", kMinHashBits, ", ", kMaxHashBits, "]"));
  }
  if (!(options.regularization > 0) || !std::isfinite(options.regularization)) {
    return absl::InvalidArgumentError("regularization must be positive");
  }
  if (options.max_passes < 1 || !(options.tolerance > 0)) {
    return absl::InvalidArgumentError("max_passes must be at least 1 and tolerance positive");
  }
  if (!(options.online_step >= 0) || options.online_step > kMaxOnlineStep) {
    return absl::InvalidArgumentError(
        absl::StrCat("online_step must be in [0, ", kMaxOnlineStep, "]"));
  }
  std::size_t spam = 0;
  for (const LabelledFeatures& example : examples) {
    spam += example.is_spam ? 1 : 0;
  }
  const std::size_t ham = examples.size() - spam;
  if (spam == 0 || ham == 0) {
    return absl::InvalidArgumentError("training needs at least one spam and one ham example");
  }

  auto model = std::make_unique<Model>(options.hash_bits);
  Model& m = *model;
  std::lock_guard lock(m.mutex);
  m.online_step = options.online_step;
  for (const LabelledFeatures& example : examples) {
    std::vector<uint32_t>& counts = example.is_spam ? m.spam_count : m.ham_count;
    uint64_t& total = example.is_spam ? m.spam_total : m.ham_total;
    const FeatureVector& x = example.features;
    for (std::size_t k = 0; k < std::min(x.indices.size(), x.values.size()); ++k) {
      if (m.Usable(x.indices[k], x.values[k]) && x.values[k] > 0) {
        m.Count(x.indices[k], counts, total);
      }
    }
  }
  m.RefreshShift();
  const double shift = m.shift.load(std::memory_order_relaxed);

  internal::LogisticProblem problem;
  problem.dimensions = m.size;
  problem.labels.reserve(examples.size());
  problem.upper_bound.reserve(examples.size());
  const double n = static_cast<double>(examples.size());
  const double spam_bound =
      options.regularization * (options.balance_classes ? n / (2.0 * spam) : 1.0);
  const double ham_bound =
      options.regularization * (options.balance_classes ? n / (2.0 * ham) : 1.0);
  for (const LabelledFeatures& example : examples) {
    const FeatureVector& x = example.features;
    for (std::size_t k = 0; k < std::min(x.indices.size(), x.values.size()); ++k) {
      if (m.Usable(x.indices[k], x.values[k]) && x.values[k] != 0) {
        problem.columns.push_back(x.indices[k]);
        problem.values.push_back((m.Rho(x.indices[k]) + shift) * x.values[k]);
      }
    }
    problem.row_start.push_back(problem.columns.size());
    problem.labels.push_back(example.is_spam ? 1 : -1);
    problem.upper_bound.push_back(example.is_spam ? spam_bound : ham_bound);
  }

  const internal::LogisticSolution solution =
      internal::SolveLogisticDual(problem, options.max_passes, options.tolerance, options.seed);
  for (uint32_t j = 0; j < m.size; ++j) {
    if (solution.weights[j] != 0) {
      m.buckets[j].weight.store(static_cast<float>(solution.weights[j]), std::memory_order_relaxed);
      m.RefreshScaled(j);
    }
  }
  m.bias.store(solution.bias, std::memory_order_relaxed);
  m.spam_examples.store(spam, std::memory_order_relaxed);
  m.ham_examples.store(ham, std::memory_order_relaxed);
  return SpamClassifier(std::move(model));
}

FeatureVector SpamClassifier::Extract(std::string_view text) const {
  return internal::ExtractFeatures(text, model_->hash_bits);
}

double SpamClassifier::SpamProbability(const FeatureVector& features) const {
  const Model& m = *model_;
  const double shift = m.shift.load(std::memory_order_relaxed);
  double z = m.bias.load(std::memory_order_relaxed);
  const std::size_t count = std::min(features.indices.size(), features.values.size());
  // The buckets of a comment are scattered over megabytes: asking for all of them before
  // reading any lets their cache misses overlap.
  for (std::size_t k = 0; k < count; ++k) {
    if (features.indices[k] < m.size) {
      __builtin_prefetch(&m.buckets[features.indices[k]]);
    }
  }
  for (std::size_t k = 0; k < count; ++k) {
    const uint32_t j = features.indices[k];
    const float value = features.values[k];
    if (!m.Usable(j, value)) {
      continue;
    }
    const double scaled = m.buckets[j].scaled.load(std::memory_order_relaxed);
    const double weight = m.buckets[j].weight.load(std::memory_order_relaxed);
    z += (scaled + shift * weight) * value;
  }
  return Sigmoid(z);
}

void SpamClassifier::Learn(const FeatureVector& features, bool is_spam) {
  Model& m = *model_;
  std::lock_guard lock(m.mutex);
  std::vector<uint32_t>& counts = is_spam ? m.spam_count : m.ham_count;
  uint64_t& total = is_spam ? m.spam_total : m.ham_total;
  const std::size_t count = std::min(features.indices.size(), features.values.size());
  for (std::size_t k = 0; k < count; ++k) {
    const uint32_t j = features.indices[k];
    if (m.Usable(j, features.values[k]) && features.values[k] > 0) {
      m.Count(j, counts, total);
    }
  }
  m.RefreshShift();
  (is_spam ? m.spam_examples : m.ham_examples).fetch_add(1, std::memory_order_relaxed);

  // One logistic-regression step on the example, normalised by its squared length (plus the
  // bias's 1) so that the example's own score moves by online_step · (label − p) log-odds
  // whatever the length of the comment.
  const double shift = m.shift.load(std::memory_order_relaxed);
  double z = m.bias.load(std::memory_order_relaxed);
  double squared_norm = 1.0;
  for (std::size_t k = 0; k < count; ++k) {
    const uint32_t j = features.indices[k];
    const float value = features.values[k];
    if (!m.Usable(j, value)) {
      continue;
    }
    m.RefreshScaled(j);
    const double scaled_feature = (m.Rho(j) + shift) * value;
    z += m.buckets[j].weight.load(std::memory_order_relaxed) * scaled_feature;
    squared_norm += scaled_feature * scaled_feature;
  }
  const double error = (is_spam ? 1.0 : 0.0) - Sigmoid(z);
  const double step = m.online_step * error / squared_norm;
  if (step == 0) {
    return;
  }
  for (std::size_t k = 0; k < count; ++k) {
    const uint32_t j = features.indices[k];
    const float value = features.values[k];
    if (!m.Usable(j, value)) {
      continue;
    }
    const double w = m.buckets[j].weight.load(std::memory_order_relaxed);
    const double updated =
        std::clamp(w + step * (m.Rho(j) + shift) * value, -kMaxAbsWeight, kMaxAbsWeight);
    m.buckets[j].weight.store(static_cast<float>(updated), std::memory_order_relaxed);
    m.RefreshScaled(j);
  }
  m.bias.store(m.bias.load(std::memory_order_relaxed) + step, std::memory_order_relaxed);
}

std::string SpamClassifier::Serialize() const {
  const Model& m = *model_;
  std::lock_guard lock(m.mutex);
  std::vector<uint32_t> used;
  for (uint32_t j = 0; j < m.size; ++j) {
    if (m.spam_count[j] != 0 || m.ham_count[j] != 0 ||
        m.buckets[j].weight.load(std::memory_order_relaxed) != 0) {
      used.push_back(j);
    }
  }
  std::string out;
  out.reserve(kHeaderSize + used.size() * kEntrySize + kChecksumSize);
  out.append(kMagic, sizeof kMagic);
  PutU32(out, kFormatVersion);
  PutU32(out, internal::kFeatureVersion);
  PutU32(out, static_cast<uint32_t>(m.hash_bits));
  PutU32(out, 0);  // flags, none defined
  PutF64(out, m.bias.load(std::memory_order_relaxed));
  PutF64(out, m.online_step);
  PutU64(out, m.spam_examples.load(std::memory_order_relaxed));
  PutU64(out, m.ham_examples.load(std::memory_order_relaxed));
  PutU64(out, used.size());
  for (const uint32_t j : used) {
    PutU32(out, j);
    PutU32(out, m.spam_count[j]);
    PutU32(out, m.ham_count[j]);
    PutF32(out, m.buckets[j].weight.load(std::memory_order_relaxed));
  }
  out += Sha256(out);
  return out;
}

absl::StatusOr<SpamClassifier> SpamClassifier::Parse(std::string_view serialized) {
  if (serialized.size() < kHeaderSize + kChecksumSize) {
    return Corrupt("too short");
  }
  if (std::memcmp(serialized.data(), kMagic, sizeof kMagic) != 0) {
    return Corrupt("wrong magic");
  }
  const std::string_view body = serialized.substr(0, serialized.size() - kChecksumSize);
  if (Sha256(body) != serialized.substr(body.size())) {
    return Corrupt("checksum mismatch");
  }
  Reader reader(body);
  reader.Skip(sizeof kMagic);
  const uint32_t format_version = reader.U32();
  if (format_version != kFormatVersion) {
    return Corrupt(
        absl::StrCat("format version ", format_version, ", this build reads ", kFormatVersion));
  }
  const uint32_t feature_version = reader.U32();
  if (feature_version != internal::kFeatureVersion) {
    return Corrupt(absl::StrCat("feature version ", feature_version, ", this build extracts ",
                                internal::kFeatureVersion));
  }
  const uint32_t hash_bits = reader.U32();
  if (!ValidHashBits(static_cast<int>(hash_bits))) {
    return Corrupt("hash bits out of range");
  }
  if (reader.U32() != 0) {
    return Corrupt("unknown flags");
  }
  const double bias = reader.F64();
  const double online_step = reader.F64();
  if (!std::isfinite(bias) || std::fabs(bias) > kMaxAbsWeight) {
    return Corrupt("bias out of range");
  }
  if (!(online_step >= 0) || online_step > kMaxOnlineStep) {
    return Corrupt("online step out of range");
  }
  const uint64_t spam_examples = reader.U64();
  const uint64_t ham_examples = reader.U64();
  const uint64_t entries = reader.U64();
  if (entries > (uint64_t{1} << hash_bits) || (body.size() - kHeaderSize) != entries * kEntrySize) {
    return Corrupt("entry count does not match the size");
  }

  auto model = std::make_unique<Model>(static_cast<int>(hash_bits));
  Model& m = *model;
  std::lock_guard lock(m.mutex);
  m.online_step = online_step;
  m.bias.store(bias, std::memory_order_relaxed);
  m.spam_examples.store(spam_examples, std::memory_order_relaxed);
  m.ham_examples.store(ham_examples, std::memory_order_relaxed);
  int64_t previous = -1;
  for (uint64_t e = 0; e < entries; ++e) {
    const uint32_t j = reader.U32();
    const uint32_t spam = reader.U32();
    const uint32_t ham = reader.U32();
    const float weight = reader.F32();
    if (j >= m.size || static_cast<int64_t>(j) <= previous) {
      return Corrupt("bucket indices not increasing or out of range");
    }
    if (!std::isfinite(weight) || std::fabs(weight) > kMaxAbsWeight) {
      return Corrupt("weight out of range");
    }
    previous = j;
    m.spam_count[j] = spam;
    m.ham_count[j] = ham;
    m.spam_total += spam;
    m.ham_total += ham;
    m.seen_buckets += (spam != 0 || ham != 0) ? 1 : 0;
    m.buckets[j].weight.store(weight, std::memory_order_relaxed);
  }
  m.RefreshShift();
  for (uint32_t j = 0; j < m.size; ++j) {
    if (m.buckets[j].weight.load(std::memory_order_relaxed) != 0) {
      m.RefreshScaled(j);
    }
  }
  return SpamClassifier(std::move(model));
}

uint64_t SpamClassifier::spam_examples() const {
  return model_->spam_examples.load(std::memory_order_relaxed);
}
uint64_t SpamClassifier::ham_examples() const {
  return model_->ham_examples.load(std::memory_order_relaxed);
}
int SpamClassifier::hash_bits() const { return model_->hash_bits; }

}  // namespace moderation::classifier
