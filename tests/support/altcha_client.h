#pragma once

#include <cstdint>
#include <string>

namespace moderation::testing {

// Solves an ALTCHA challenge the way a reader's browser does (brute force of
// SHA-256(salt + n) for n in [0, maxnumber], in C++ with OpenSSL) and returns
// the payload the widget would post: base64 of its JSON object, with `took`
// the milliseconds spent. Empty when no number fits (a challenge that is not
// this server's). At the default price (maxnumber 20000) this is at most
// 20,000 hashes: up to about 50 ms of one core in a Debug build.
[[nodiscard]] std::string SolveAltchaChallenge(const std::string& algorithm,
                                               const std::string& challenge, int64_t maxnumber,
                                               const std::string& salt,
                                               const std::string& signature);

// The same for a challenge of any algorithm, from its JSON (the response's
// `altcha.json`): for a key-derivation algorithm each try is a derivation,
// so tests keep its cost small. Empty when none fits.
[[nodiscard]] std::string SolveAltchaJson(const std::string& json);

// The payload for the challenge that came with a captcha (a CreateCaptcha or
// RefreshCaptcha response); empty when the server sent none (pow.enabled off).
template <typename CaptchaResponse>
std::string SolvedAltchaPayload(const CaptchaResponse& response) {
  if (!response.has_altcha()) {
    return "";
  }
  const auto& altcha = response.altcha();
  if (altcha.algorithm() != "SHA-256") {
    return SolveAltchaJson(altcha.json());
  }
  return SolveAltchaChallenge(altcha.algorithm(), altcha.challenge(), altcha.maxnumber(),
                              altcha.salt(), altcha.signature());
}

}  // namespace moderation::testing
