#include "service/pow/altcha.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"
#include "service/common/errors.h"
#include "service/crypto/crypto.h"

namespace moderation::pow {
namespace {

constexpr absl::string_view kField = "altcha_payload";
// A real payload is about 300 bytes; anything far larger is not one.
constexpr std::size_t kMaxPayloadBytes = 2048;
constexpr std::size_t kMaxSaltBytes = 512;
// The largest integer a JavaScript number holds exactly.
constexpr int64_t kMaxNumber = (int64_t{1} << 53) - 1;

// The reader's message is api/'s, by field and reason.
absl::Status Refused(absl::string_view reason) {
  return InvalidFields({{std::string(kField), std::string(reason), ""}});
}

absl::Status Malformed() { return Refused("ALTCHA_MALFORMED"); }

std::string HashHex(absl::string_view salt, int64_t number) {
  return crypto::HexEncode(crypto::Sha256(absl::StrCat(salt, number)));
}

// A parameter of the salt ("<hex>?expires=<unix seconds>&cost=<score>&").
std::optional<absl::string_view> SaltParameter(absl::string_view salt, absl::string_view name) {
  const std::size_t query = salt.find('?');
  if (query == absl::string_view::npos) {
    return std::nullopt;
  }
  for (absl::string_view pair : absl::StrSplit(salt.substr(query + 1), '&', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(pair, absl::MaxSplits('=', 1));
    if (kv.first == name) {
      return kv.second;
    }
  }
  return std::nullopt;
}

// The expiry, as altcha-lib reads it (`expires`, or `expire`).
std::optional<int64_t> SaltExpiry(absl::string_view salt) {
  for (absl::string_view name : {"expires", "expire"}) {
    int64_t seconds = 0;
    if (const auto value = SaltParameter(salt, name); value && absl::SimpleAtoi(*value, &seconds)) {
      return seconds;
    }
  }
  return std::nullopt;
}

// The refusal score the challenge was priced at (ours carry it; the hash binds it).
double SaltCost(absl::string_view salt) {
  double score = 0;
  if (const auto value = SaltParameter(salt, "cost");
      value && absl::SimpleAtod(*value, &score) && score > 0 && score < 1000) {
    return score;
  }
  return 0;
}

bool IsLowerHex(absl::string_view text, std::size_t size) {
  if (text.size() != size) {
    return false;
  }
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string AltchaChallenge::Json() const {
  nlohmann::json object = {{"algorithm", algorithm},
                           {"challenge", challenge},
                           {"maxnumber", maxnumber},
                           {"salt", salt},
                           {"signature", signature}};
  return object.dump();
}

Altcha::Altcha(std::string hmac_key, const Clock& clock, RandomSource& random,
               AltchaOptions options)
    : hmac_key_(std::move(hmac_key)), clock_(clock), random_(random), options_(options) {}

AltchaChallenge Altcha::Create(int64_t maxnumber, double refusal_score) {
  maxnumber = std::clamp<int64_t>(maxnumber, 1, kMaxNumber);
  AltchaChallenge out;
  out.algorithm = std::string(kAltchaAlgorithm);
  out.maxnumber = maxnumber;
  // Whole seconds, as the salt carries them.
  out.expire_time = absl::FromUnixSeconds(absl::ToUnixSeconds(clock_.Now() + options_.ttl));
  // 12 random bytes, as altcha-lib's default salt; the expiry rides in the salt
  // so that the hash binds it, and the trailing '&' stops parameter splicing.
  out.salt = absl::StrCat(crypto::HexEncode(random_.Bytes(12)),
                          "?expires=", absl::ToUnixSeconds(out.expire_time), "&");
  if (refusal_score >= 0.05) {
    absl::StrAppend(&out.salt, "cost=", absl::StrFormat("%.1f", refusal_score), "&");
  }
  const std::string bytes = random_.Bytes(8);
  uint64_t draw = 0;
  std::memcpy(&draw, bytes.data(), sizeof(draw));
  // The modulo bias is below 2^-10 for any maxnumber up to 2^53.
  out.number = static_cast<int64_t>(draw % static_cast<uint64_t>(maxnumber)) + 1;
  out.challenge = HashHex(out.salt, out.number);
  out.signature = crypto::HexEncode(crypto::HmacSha256(hmac_key_, out.challenge));
  return out;
}

absl::StatusOr<AltchaSolution> Altcha::Verify(absl::string_view payload) const {
  if (payload.empty()) {
    return Refused("REQUIRED");
  }
  std::string text;
  if (payload.size() > kMaxPayloadBytes || !absl::Base64Unescape(payload, &text)) {
    return Malformed();
  }
  const nlohmann::json object = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (object.is_discarded() || !object.is_object()) {
    return Malformed();
  }
  const auto string_field = [&object](const char* name) -> const std::string* {
    const auto it = object.find(name);
    if (it == object.end() || !it->is_string()) {
      return nullptr;
    }
    return it->get_ptr<const std::string*>();
  };
  const std::string* algorithm = string_field("algorithm");
  const std::string* challenge = string_field("challenge");
  const std::string* salt = string_field("salt");
  const std::string* signature = string_field("signature");
  const auto number_it = object.find("number");
  if (algorithm == nullptr || challenge == nullptr || salt == nullptr || signature == nullptr ||
      number_it == object.end() || !number_it->is_number_integer()) {
    return Malformed();
  }
  if (*algorithm != kAltchaAlgorithm) {
    return Refused("ALTCHA_ALGORITHM_UNSUPPORTED");
  }
  int64_t number = -1;
  if (number_it->is_number_unsigned()) {
    const uint64_t value = number_it->get<uint64_t>();
    number = value <= static_cast<uint64_t>(kMaxNumber) ? static_cast<int64_t>(value) : -1;
  } else {
    number = number_it->get<int64_t>();
  }
  if (number < 0 || number > kMaxNumber || salt->size() > kMaxSaltBytes ||
      !IsLowerHex(*challenge, 64) || signature->size() > 128) {
    return Malformed();
  }
  // Our one-use record needs an end: a challenge without expiry is refused.
  const std::optional<int64_t> expires = SaltExpiry(*salt);
  if (!expires || *expires <= 0 || *expires > std::numeric_limits<int64_t>::max() / 2) {
    return Malformed();
  }
  const absl::Time expire_time = absl::FromUnixSeconds(*expires);
  const absl::Time now = clock_.Now();
  if (expire_time < now) {
    return Refused("ALTCHA_EXPIRED");
  }
  if (expire_time > now + options_.max_lifetime) {
    return Malformed();
  }
  const std::string expected = crypto::HexEncode(crypto::HmacSha256(hmac_key_, *challenge));
  if (!crypto::ConstantTimeEquals(expected, *signature)) {
    return Refused("ALTCHA_SIGNATURE_INVALID");
  }
  if (HashHex(*salt, number) != *challenge) {
    return Refused("ALTCHA_SOLUTION_WRONG");
  }
  AltchaSolution solution;
  solution.challenge = *challenge;
  solution.expire_time = expire_time;
  solution.number = number;
  solution.refusal_score = SaltCost(*salt);
  if (const auto took = object.find("took"); took != object.end() && took->is_number()) {
    const double ms = took->get<double>();
    if (ms >= 0 && ms < 1e9) {
      solution.took = absl::Milliseconds(ms);
    }
  }
  return solution;
}

std::string EncodeAltchaPayload(const AltchaChallenge& challenge, int64_t number, int64_t took_ms) {
  // The widget's field order (createPayloadV1), as btoa(JSON.stringify(...)).
  nlohmann::ordered_json object = {
      {"algorithm", challenge.algorithm}, {"challenge", challenge.challenge}, {"number", number},
      {"salt", challenge.salt},           {"signature", challenge.signature}, {"took", took_ms}};
  return absl::Base64Escape(object.dump());
}

std::string AltchaReasonOf(const absl::Status& status) {
  for (const FieldViolation& violation : FieldViolationsOf(status)) {
    if (violation.field == kField) {
      return violation.reason;
    }
  }
  return "";
}

absl::Status AltchaAlreadyUsed() { return Refused("ALTCHA_ALREADY_USED"); }

std::optional<int64_t> SolveAltcha(const AltchaChallenge& challenge) {
  for (int64_t n = 0; n <= challenge.maxnumber; ++n) {
    if (HashHex(challenge.salt, n) == challenge.challenge) {
      return n;
    }
  }
  return std::nullopt;
}

}  // namespace moderation::pow
