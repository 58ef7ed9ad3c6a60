#include "tests/support/altcha_client.h"

#include <chrono>
#include <optional>

#include "service/pow/altcha.h"

namespace moderation::testing {

std::string SolveAltchaChallenge(const std::string& algorithm, const std::string& challenge,
                                 int64_t maxnumber, const std::string& salt,
                                 const std::string& signature) {
  pow::AltchaChallenge puzzle;
  puzzle.algorithm = algorithm;
  puzzle.challenge = challenge;
  puzzle.maxnumber = maxnumber;
  puzzle.salt = salt;
  puzzle.signature = signature;
  // `took` is what the client says it spent, as the widget reports it: the
  // test client's own steady clock, not an injected one.
  const auto started = std::chrono::steady_clock::now();
  const std::optional<int64_t> number = pow::SolveAltcha(puzzle);
  if (!number.has_value()) {
    return "";
  }
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  return pow::EncodeAltchaPayload(puzzle, *number, took.count());
}

std::string SolveAltchaJson(const std::string& json) {
  const std::optional<pow::AltchaChallenge> challenge = pow::ParseAltchaChallenge(json);
  if (!challenge) {
    return "";
  }
  return pow::SolveAltchaPayload(*challenge).value_or("");
}

}  // namespace moderation::testing
