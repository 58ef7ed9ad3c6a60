#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "service/privacy/pseudonymiser.h"

namespace moderation::pow {

// How the proof of work's cost follows a source's recent refusals: maxnumber =
// base × growth^score, where the score counts refusals and halves every
// half-life, up to a cap.
struct CostOptions {
  int64_t base_maxnumber = 20000;
  double growth = 1.6;
  int64_t max_maxnumber = 50000000;
  absl::Duration half_life = absl::Minutes(15);
};

// The largest score a source keeps: beyond it the cost is at its cap anyway.
inline constexpr double kMaxRefusalScore = 40;

// The maxnumber for a source whose decayed refusal score is `score`.
[[nodiscard]] int64_t MaxNumberFor(double score, const CostOptions& options);

// `score`, recorded at `at`, as it stands at `now`.
[[nodiscard]] double Decayed(double score, absl::Time at, absl::Time now, absl::Duration half_life);

// The sources a request's refusals count against, as keyed hashes (no address
// or phone in clear): its address, its network (IPv4 /24, IPv6 /48, as
// validation::ClientAddress::network), its phone when given. `ip_digest` and
// `phone_digest` are the pseudonymiser's AddressDigest and PhoneDigest, as the
// comments store them; empty ones are left out.
[[nodiscard]] std::vector<std::string> CostSources(const privacy::Pseudonymiser& pseudonymiser,
                                                   absl::string_view ip_digest,
                                                   absl::string_view network,
                                                   absl::string_view phone_digest);

// Hears of the proof of work's cost, for the metrics. Either may be empty.
struct CostObserver {
  // A challenge issued at `maxnumber` for a source with `score` refusals.
  std::function<void(int64_t maxnumber, double score)> issued;
  // A solution accepted for checking; `took` is what the client reported.
  std::function<void(std::optional<absl::Duration> took, double score)> solved;
};

// Where refusal scores are kept. Thread-safe; callbacks may run on storage
// threads.
class CostLedger {
 public:
  virtual ~CostLedger() = default;

  // The largest decayed score among `sources` (0 for sources never refused).
  // UNAVAILABLE when the store cannot be reached.
  virtual void Score(std::vector<std::string> sources,
                     absl::AnyInvocable<void(absl::StatusOr<double>) &&> done) = 0;

  // Adds `weight` refusals to each of `sources`. Fire and forget: a failure is
  // logged and counted, never reported to the caller.
  virtual void Record(std::vector<std::string> sources, double weight) = 0;
};

}  // namespace moderation::pow
