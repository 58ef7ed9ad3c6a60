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
// The key-derivation algorithms of ALTCHA's second protocol that the server
// accepts (altcha/lib's `pbkdf2` and `scrypt`; the widget from 3.0).
inline constexpr absl::string_view kAltchaPbkdf2 = "PBKDF2/SHA-256";
inline constexpr absl::string_view kAltchaScrypt = "SCRYPT";

// Which challenge the server issues (setting `pow.algorithm`).
enum class PowAlgorithm {
  kSha256,  // the classic protocol: many cheap SHA-256 hashes
  kPbkdf2,  // the second protocol, PBKDF2-HMAC-SHA-256 per attempt
  kScrypt,  // the second protocol, scrypt per attempt (memory-hard)
};

// "SHA-256", "PBKDF2/SHA-256" or "SCRYPT"; nullopt for another name.
[[nodiscard]] std::optional<PowAlgorithm> ParsePowAlgorithm(absl::string_view name);

// The key derivation of one attempt in the second protocol. `cost` is PBKDF2's
// iterations or scrypt's N (a power of two); `memory_cost` and `parallelism`
// are scrypt's r and p (unused by PBKDF2).
struct KdfParameters {
  PowAlgorithm algorithm = PowAlgorithm::kPbkdf2;
  int64_t cost = 1000;
  int64_t memory_cost = 8;
  int64_t parallelism = 1;
  int64_t key_length = 32;
};

// KDF(password = nonce ‖ counter as big-endian uint32, salt), as altcha/lib's
// deriveKey does. INVALID_ARGUMENT for parameters OpenSSL refuses.
[[nodiscard]] absl::StatusOr<std::string> DeriveAltchaKey(const KdfParameters& parameters,
                                                          absl::string_view nonce,
                                                          absl::string_view salt, uint32_t counter);

// A proof-of-work challenge. With algorithm "SHA-256", in the classic ALTCHA
// format (the one `altcha-lib` makes with createChallenge and every `altcha`
// widget solves): find the number n in [0, maxnumber] with SHA-256(salt + n)
// == challenge. Otherwise in ALTCHA's second protocol (altcha/lib, widget
// 3.0 and later): find the counter whose derived key starts with keyPrefix
// (`challenge` here); `maxnumber` is then the counter's secret bound.
struct AltchaChallenge {
  std::string algorithm;  // "SHA-256", "PBKDF2/SHA-256" or "SCRYPT"
  std::string challenge;  // SHA-256: lowercase hex hash of salt + number; else keyPrefix
  int64_t maxnumber = 0;
  std::string salt;       // SHA-256: random hex, "?expires=<unix seconds>&", maybe
                          // "cost=<score>&"; else the KDF's salt in hex
  std::string signature;  // lowercase hex HMAC-SHA-256 with the key: SHA-256, of
                          // `challenge`; else of the canonical JSON of the parameters
  absl::Time expire_time;
  // The second protocol's `parameters`, as canonical JSON (empty for SHA-256).
  std::string parameters_json;
  // The solution: never sent, except in development reveal mode (the number
  // or counter, and for the second protocol the derived key in hex).
  int64_t number = 0;
  std::string derived_key;

  // The challenge as the JSON object the widget takes (its `challenge`):
  // {algorithm, challenge, maxnumber, salt, signature} for SHA-256, else
  // {parameters, signature}.
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
  // What Create issues. Verify takes either protocol whatever this says: a
  // payload counts only if our key signed its challenge.
  PowAlgorithm algorithm = PowAlgorithm::kSha256;
  // The derivation of one attempt for PBKDF2 (cost = iterations) and for
  // scrypt (cost = N, memory_cost = r, parallelism = p).
  int64_t pbkdf2_iterations = 1000;
  int64_t scrypt_n = 1024;
  int64_t scrypt_r = 8;
  int64_t scrypt_p = 1;
};

// Makes and checks ALTCHA challenges, signed with `hmac_key` exactly as
// altcha-lib signs with `hmacKey` (the key's bytes as given). Stateless: the
// one-use record is the caller's. Thread-safe if `random` is.
class Altcha {
 public:
  Altcha(std::string hmac_key, const Clock& clock, RandomSource& random, AltchaOptions options);

  // A new challenge of the configured algorithm, expiring after the ttl. For
  // SHA-256 its number is uniform in [1, maxnumber] (clamped to at least 1);
  // for a KDF its counter is uniform in [0, maxnumber - 1] (clamped to
  // [1, 2^32]), and making it costs one derivation. A positive
  // `refusal_score` (what raised maxnumber) rides in the signed challenge
  // (salt `cost=`, or data.cost).
  [[nodiscard]] AltchaChallenge Create(int64_t maxnumber, double refusal_score = 0);

  // Checks the widget's payload: base64 of a JSON object, either the classic
  // one (`algorithm`, `challenge`, `number`, `salt`, `signature`) or the
  // second protocol's (`challenge`: {parameters, signature}, `solution`:
  // {counter, derivedKey, time}). INVALID_ARGUMENT on field `altcha_payload`
  // with reason REQUIRED, ALTCHA_MALFORMED, ALTCHA_ALGORITHM_UNSUPPORTED,
  // ALTCHA_EXPIRED, ALTCHA_SIGNATURE_INVALID or ALTCHA_SOLUTION_WRONG. Costs a
  // few hashes, never a derivation.
  [[nodiscard]] absl::StatusOr<AltchaSolution> Verify(absl::string_view payload) const;

 private:
  [[nodiscard]] AltchaChallenge CreateClassic(int64_t maxnumber, double refusal_score);
  [[nodiscard]] AltchaChallenge CreateDerived(int64_t maxnumber, double refusal_score);

  const std::string hmac_key_;
  const Clock& clock_;
  RandomSource& random_;
  const AltchaOptions options_;
};

// The payload the widget sends for `challenge` solved by `number` (for the
// second protocol, the counter; the derived key is `challenge.derived_key`).
[[nodiscard]] std::string EncodeAltchaPayload(const AltchaChallenge& challenge, int64_t number,
                                              int64_t took_ms = 0);

// The reason of an error from Verify or AltchaAlreadyUsed ("" for another error).
[[nodiscard]] std::string AltchaReasonOf(const absl::Status& status);

// The error for a payload used before (the caller's one-use record).
[[nodiscard]] absl::Status AltchaAlreadyUsed();

// Finds the number (or counter) by brute force, as a client does: for tests,
// tools and benchmarks. nullopt when none up to `maxnumber` fits. For the
// second protocol each try is a derivation: keep the cost small.
[[nodiscard]] std::optional<int64_t> SolveAltcha(const AltchaChallenge& challenge);

// A challenge from its JSON (AltchaChallenge::Json, either shape), as a client
// holds it: without its solution. nullopt for other text.
[[nodiscard]] std::optional<AltchaChallenge> ParseAltchaChallenge(absl::string_view json);

// The payload for `challenge` solved by brute force, as SolveAltcha;
// nullopt when none fits.
[[nodiscard]] std::optional<std::string> SolveAltchaPayload(const AltchaChallenge& challenge);

}  // namespace moderation::pow
