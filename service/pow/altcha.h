#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "service/common/clock.h"
#include "service/common/random.h"

namespace moderation::pow {

// The only algorithm of ALTCHA's classic challenge that the server accepts.
inline constexpr absl::string_view kAltchaAlgorithm = "SHA-256";

// A proof-of-work challenge in the classic ALTCHA format (the one `altcha-lib`
// makes with createChallenge and the `altcha` widget solves): find the number n
// in [0, maxnumber] with SHA-256(salt + n) == challenge.
struct AltchaChallenge {
  std::string algorithm;  // "SHA-256"
  std::string challenge;  // lowercase hex SHA-256 of salt + number
  int64_t maxnumber = 0;
  std::string salt;       // random hex, "?expires=<unix seconds>&", maybe "cost=<score>&"
  std::string signature;  // lowercase hex HMAC-SHA-256 of `challenge` with the key
  absl::Time expire_time;
  // The solution: never sent, except in development reveal mode.
  int64_t number = 0;

  // The challenge as the JSON object the widget fetches (its `challengeurl`).
  [[nodiscard]] std::string Json() const;
};

// A payload that passed every check but the one-use check, which needs storage.
struct AltchaSolution {
  // Identifies the challenge for its one use.
  std::string challenge;
  absl::Time expire_time;
  int64_t number = 0;
  // How long the client says it worked (the widget's `took`, in ms).
  std::optional<absl::Duration> took;
  // The source's refusal score the challenge was priced at (0: none).
  double refusal_score = 0;
};

struct AltchaOptions {
  absl::Duration ttl = absl::Minutes(10);
  // A payload signed with our key but expiring later than this from now is
  // refused: its one-use record could not outlive it.
  absl::Duration max_lifetime = absl::Hours(1);
};

// Makes and checks ALTCHA challenges, signed with `hmac_key` exactly as
// altcha-lib signs with `hmacKey` (the key's bytes as given). Stateless: the
// one-use record is the caller's. Thread-safe if `random` is.
class Altcha {
 public:
  Altcha(std::string hmac_key, const Clock& clock, RandomSource& random, AltchaOptions options);

  // A new challenge whose number is uniform in [1, maxnumber] (clamped to at
  // least 1), expiring after the configured ttl. A positive `refusal_score`
  // (what raised maxnumber) rides in the salt as `cost=`, bound by the hash.
  [[nodiscard]] AltchaChallenge Create(int64_t maxnumber, double refusal_score = 0);

  // Checks the widget's payload (base64 of a JSON object with `algorithm`,
  // `challenge`, `number`, `salt`, `signature`). INVALID_ARGUMENT on field
  // `altcha_payload` with reason REQUIRED, ALTCHA_MALFORMED,
  // ALTCHA_ALGORITHM_UNSUPPORTED, ALTCHA_EXPIRED, ALTCHA_SIGNATURE_INVALID or
  // ALTCHA_SOLUTION_WRONG.
  [[nodiscard]] absl::StatusOr<AltchaSolution> Verify(absl::string_view payload) const;

 private:
  const std::string hmac_key_;
  const Clock& clock_;
  RandomSource& random_;
  const AltchaOptions options_;
};

// The payload the widget sends for `challenge` solved by `number`.
[[nodiscard]] std::string EncodeAltchaPayload(const AltchaChallenge& challenge, int64_t number,
                                              int64_t took_ms = 0);

// The reason of an error from Verify or AltchaAlreadyUsed ("" for another error).
[[nodiscard]] std::string AltchaReasonOf(const absl::Status& status);

// The error for a payload used before (the caller's one-use record).
[[nodiscard]] absl::Status AltchaAlreadyUsed();

// Finds the number by brute force, as a client does: for tests, tools and
// benchmarks. nullopt when no number up to `maxnumber` fits.
[[nodiscard]] std::optional<int64_t> SolveAltcha(const AltchaChallenge& challenge);

}  // namespace moderation::pow
