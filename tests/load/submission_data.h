#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "moderation/v1/comment_service.pb.h"

namespace moderation::loadgen {

// What a submission is built to provoke. Each kind has one expected answer
// (see `Expectation`), so a run shows whether the server still tells them
// apart under load.
enum class CallKind { kValid, kWrongCaptcha, kSpam, kRateLimited, kInvalid };
inline constexpr int kCallKindCount = 5;

// "valid", "wrong_captcha", "spam", "rate_limited", "invalid".
[[nodiscard]] std::string CallKindName(CallKind kind);

// The expected answer, in the form `OutcomeLabel` gives, e.g.
// "OK PENDING_MODERATION" or "INVALID_ARGUMENT captcha_answer=CAPTCHA_WRONG".
[[nodiscard]] std::string Expectation(CallKind kind);

// Whether `outcome` (an `OutcomeLabel`) is what `kind` should get. Spam may be
// refused for any of the spam reasons, invalid input for any field but the
// captcha.
[[nodiscard]] bool MatchesExpectation(CallKind kind, const std::string& outcome);

// Relative weights of the kinds, e.g. from "valid=90,spam=10".
struct Mix {
  std::array<int, kCallKindCount> weights{};

  [[nodiscard]] int Total() const;
  [[nodiscard]] bool Has(CallKind kind) const { return weights[static_cast<int>(kind)] > 0; }
  // The kind of call number `index`: a fixed pseudo-random interleaving, so
  // each kind is spread evenly over the run and every run sends the same.
  [[nodiscard]] CallKind KindFor(uint64_t index) const;
  // "valid=90,spam=10" (kinds with weight 0 left out).
  [[nodiscard]] std::string ToString() const;
};

// Parses "kind=weight,..." (kinds as in CallKindName, weights 0-1000000, each
// kind at most once, at least one weight above 0). Empty with `error` set on
// anything else.
[[nodiscard]] std::optional<Mix> ParseMix(const std::string& text, std::string* error);

// The reader's address for submission `sequence`: 10.a.b.c with a and b
// changing fastest, so that consecutive submissions fall in different /24
// blocks (the per-block limits allow 20 in a burst) and none repeats within
// 16 million submissions (the per-address limits allow 3).
[[nodiscard]] std::string ClientIpFor(uint64_t sequence);

// The one address every rate_limited submission comes from. The preparation
// step pushes it over its limits before the measured window.
inline constexpr char kHotClientIp[] = "198.51.100.77";

// A valid Vietnamese mobile number (090, 091, 093, 096, 097 or 098 prefix),
// distinct for the first 60 million sequences, for three submissions in four;
// empty for the fourth (the field is optional on the form).
[[nodiscard]] std::string PhoneFor(uint64_t sequence);

// A Vietnamese full name; the first few thousand sequences get distinct ones.
[[nodiscard]] std::string NameFor(uint64_t sequence);

// A comment of about 100 bytes of Vietnamese, built from four short
// sentences. Distinct for the first 7 million sequences; `salt` (this run)
// moves the start so that a second run against the same Redis does not
// repeat the first run's bodies (the service refuses repeats and
// near-duplicates as spam).
[[nodiscard]] std::string BodyFor(uint64_t sequence, uint64_t salt);

// Fills `request` for submission `sequence` of kind `kind`: the captcha
// fetched for it (answered wrongly for kWrongCaptcha), an idempotency key
// unique to this run (`run_id`) and submission.
void FillSubmission(CallKind kind, uint64_t sequence, const std::string& run_id, uint64_t salt,
                    const std::string& captcha_id, const std::string& captcha_answer,
                    moderation::v1::SubmitCommentRequest* request);

}  // namespace moderation::loadgen
