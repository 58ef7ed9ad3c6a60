#include "service/pow/cost.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace moderation::pow {

int64_t MaxNumberFor(double score, const CostOptions& options) {
  score = std::clamp(score, 0.0, kMaxRefusalScore);
  const double wanted =
      static_cast<double>(options.base_maxnumber) * std::pow(options.growth, score);
  return static_cast<int64_t>(
      std::clamp(wanted, 1.0, static_cast<double>(std::max(options.max_maxnumber, int64_t{1}))));
}

double Decayed(double score, absl::Time at, absl::Time now, absl::Duration half_life) {
  if (score <= 0) {
    return 0;
  }
  const double elapsed = std::max(0.0, absl::ToDoubleSeconds(now - at));
  const double half = std::max(1.0, absl::ToDoubleSeconds(half_life));
  return score * std::exp2(-elapsed / half);
}

std::vector<std::string> CostSources(const privacy::Pseudonymiser& pseudonymiser,
                                     absl::string_view ip_digest, absl::string_view network,
                                     absl::string_view phone_digest) {
  std::vector<std::string> sources;
  if (!ip_digest.empty()) {
    sources.push_back(absl::StrCat("ip:", ip_digest));
  }
  if (!network.empty()) {
    sources.push_back(absl::StrCat("net:", pseudonymiser.NetworkDigest(network)));
  }
  if (!phone_digest.empty()) {
    sources.push_back(absl::StrCat("phone:", phone_digest));
  }
  return sources;
}

}  // namespace moderation::pow
