#include "service/pow/altcha.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"
#include "openssl/evp.h"
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
// The second protocol's counter is a big-endian uint32.
constexpr int64_t kMaxCounter = (int64_t{1} << 32) - 1;
// Bounds on the parameters a payload may carry (ours are far inside): they
// only keep the checks' arithmetic sane, since Verify never derives.
constexpr std::size_t kNonceBytes = 16;
constexpr std::size_t kKdfSaltBytes = 16;
constexpr int64_t kMinKeyLength = 16;
constexpr int64_t kMaxKeyLength = 64;
constexpr std::size_t kMaxDataEntries = 8;
constexpr std::size_t kMaxDataText = 256;

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

bool IsLowerHexOfAnySize(absl::string_view text) {
  return text.size() % 2 == 0 && IsLowerHex(text, text.size());
}

std::string BigEndian32(uint32_t value) {
  return std::string{static_cast<char>(value >> 24), static_cast<char>(value >> 16),
                     static_cast<char>(value >> 8), static_cast<char>(value)};
}

// JSON.stringify of `parameters` with its keys sorted, as altcha/lib signs
// it. nlohmann's object keeps keys sorted bytewise, which is JavaScript's
// order for the ASCII keys the parameters have, and its compact dump escapes
// exactly what JSON.stringify escapes; numbers are integers only (checked).
std::string CanonicalJson(const nlohmann::json& parameters) {
  return parameters.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// `data` as the parameters may carry it: a small flat object of strings,
// integers, booleans and nulls (no floats: their text differs between
// languages).
bool IsPlainData(const nlohmann::json& data) {
  if (!data.is_object() || data.size() > kMaxDataEntries) {
    return false;
  }
  for (const auto& [key, value] : data.items()) {
    if (key.size() > kMaxDataText || value.is_object() || value.is_array() ||
        value.is_number_float() ||
        (value.is_string() && value.get_ref<const std::string&>().size() > kMaxDataText)) {
      return false;
    }
    for (char c : key) {
      if (static_cast<unsigned char>(c) >= 0x80) {
        return false;  // JavaScript sorts by UTF-16 code unit, not byte
      }
    }
  }
  return true;
}

// An integer field of the parameters within [low, high], or nullopt.
std::optional<int64_t> IntegerIn(const nlohmann::json& value, int64_t low, int64_t high) {
  if (!value.is_number_integer()) {
    return std::nullopt;
  }
  if (value.is_number_unsigned()) {
    const uint64_t v = value.get<uint64_t>();
    if (v > static_cast<uint64_t>(high)) {
      return std::nullopt;
    }
    return static_cast<int64_t>(v) >= low ? std::optional<int64_t>(static_cast<int64_t>(v))
                                          : std::nullopt;
  }
  const int64_t v = value.get<int64_t>();
  return v >= low && v <= high ? std::optional<int64_t>(v) : std::nullopt;
}

// The second protocol's payload: {challenge: {parameters, signature},
// solution: {counter, derivedKey, time}}. The keySignature makes the check
// one HMAC: a derived key whose HMAC matches is the one we derived, which only
// a client that found the counter knows.
absl::StatusOr<AltchaSolution> VerifyDerived(const nlohmann::json& object,
                                             absl::string_view hmac_key, absl::Time now,
                                             absl::Duration max_lifetime) {
  const auto challenge_it = object.find("challenge");
  const auto solution_it = object.find("solution");
  if (challenge_it == object.end() || !challenge_it->is_object() || !solution_it->is_object()) {
    return Malformed();
  }
  const nlohmann::json& challenge = *challenge_it;
  const nlohmann::json& solution = *solution_it;
  const auto parameters_it = challenge.find("parameters");
  const auto signature_it = challenge.find("signature");
  if (parameters_it == challenge.end() || !parameters_it->is_object() ||
      signature_it == challenge.end() || !signature_it->is_string()) {
    return Malformed();
  }
  const nlohmann::json& parameters = *parameters_it;
  // Every key altcha/lib may sign, and no other: what we do not know we could
  // not have signed, and would not check.
  static constexpr absl::string_view kKnown[] = {
      "algorithm",    "nonce",      "salt",        "cost",      "keyLength", "keyPrefix",
      "keySignature", "memoryCost", "parallelism", "expiresAt", "data"};
  for (const auto& [key, value] : parameters.items()) {
    if (std::find(std::begin(kKnown), std::end(kKnown), key) == std::end(kKnown)) {
      return Malformed();
    }
  }
  const auto text = [&parameters](const char* name) -> const std::string* {
    const auto it = parameters.find(name);
    return it != parameters.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
  };
  const std::string* algorithm = text("algorithm");
  const std::string* nonce = text("nonce");
  const std::string* salt = text("salt");
  const std::string* key_prefix = text("keyPrefix");
  const std::string* key_signature = text("keySignature");
  if (algorithm == nullptr || nonce == nullptr || salt == nullptr || key_prefix == nullptr) {
    return Malformed();
  }
  if (*algorithm != kAltchaPbkdf2 && *algorithm != kAltchaScrypt) {
    return Refused("ALTCHA_ALGORITHM_UNSUPPORTED");
  }
  const auto integer = [&parameters](const char* name, int64_t low,
                                     int64_t high) -> std::optional<int64_t> {
    const auto it = parameters.find(name);
    return it == parameters.end() ? std::nullopt : IntegerIn(*it, low, high);
  };
  const std::optional<int64_t> key_length = integer("keyLength", kMinKeyLength, kMaxKeyLength);
  const std::optional<int64_t> expires = integer("expiresAt", 1, kMaxNumber);
  const bool well_formed =
      key_length && expires && integer("cost", 1, kMaxNumber) &&
      (!parameters.contains("memoryCost") || integer("memoryCost", 1, kMaxNumber)) &&
      (!parameters.contains("parallelism") || integer("parallelism", 1, kMaxNumber)) &&
      (!parameters.contains("data") || IsPlainData(parameters["data"])) &&
      IsLowerHexOfAnySize(*nonce) && nonce->size() <= 2 * kMaxKeyLength &&
      IsLowerHexOfAnySize(*salt) && salt->size() <= 2 * kMaxKeyLength &&
      IsLowerHexOfAnySize(*key_prefix) && !key_prefix->empty() &&
      key_prefix->size() <= 2 * static_cast<std::size_t>(*key_length) &&
      // Without it the check would be a derivation: we never issue that.
      key_signature != nullptr && IsLowerHex(*key_signature, 64) &&
      IsLowerHex(signature_it->get_ref<const std::string&>(), 64);
  if (!well_formed) {
    return Malformed();
  }
  const auto counter_it = solution.find("counter");
  const auto derived_it = solution.find("derivedKey");
  if (counter_it == solution.end() || !IntegerIn(*counter_it, 0, kMaxCounter) ||
      derived_it == solution.end() || !derived_it->is_string() ||
      !IsLowerHex(derived_it->get_ref<const std::string&>(),
                  2 * static_cast<std::size_t>(*key_length))) {
    return Malformed();
  }
  const std::string& derived_hex = derived_it->get_ref<const std::string&>();
  const absl::Time expire_time = absl::FromUnixSeconds(*expires);
  if (expire_time < now) {
    return Refused("ALTCHA_EXPIRED");
  }
  if (expire_time > now + max_lifetime) {
    return Malformed();
  }
  const std::string expected =
      crypto::HexEncode(crypto::HmacSha256(hmac_key, CanonicalJson(parameters)));
  if (!crypto::ConstantTimeEquals(expected, signature_it->get_ref<const std::string&>())) {
    return Refused("ALTCHA_SIGNATURE_INVALID");
  }
  const absl::StatusOr<std::string> derived = crypto::HexDecode(derived_hex);
  if (!derived.ok() ||
      !crypto::ConstantTimeEquals(crypto::HexEncode(crypto::HmacSha256(hmac_key, *derived)),
                                  *key_signature) ||
      !absl::StartsWith(derived_hex, *key_prefix)) {
    return Refused("ALTCHA_SOLUTION_WRONG");
  }
  AltchaSolution out;
  // The signature is unique per challenge (it covers the random nonce).
  out.challenge = absl::StrCat("v2:", signature_it->get_ref<const std::string&>());
  out.expire_time = expire_time;
  out.number = *IntegerIn(*counter_it, 0, kMaxCounter);
  if (const auto data = parameters.find("data"); data != parameters.end()) {
    if (const auto cost = data->find("cost"); cost != data->end() && cost->is_string()) {
      double score = 0;
      if (absl::SimpleAtod(cost->get_ref<const std::string&>(), &score) && score > 0 &&
          score < 1000) {
        out.refusal_score = score;
      }
    }
  }
  if (const auto time = solution.find("time"); time != solution.end() && time->is_number()) {
    const double ms = time->get<double>();
    if (ms >= 0 && ms < 1e9) {
      out.took = absl::Milliseconds(ms);
    }
  }
  return out;
}

}  // namespace

std::optional<PowAlgorithm> ParsePowAlgorithm(absl::string_view name) {
  if (name == kAltchaAlgorithm) {
    return PowAlgorithm::kSha256;
  }
  if (name == kAltchaPbkdf2) {
    return PowAlgorithm::kPbkdf2;
  }
  if (name == kAltchaScrypt) {
    return PowAlgorithm::kScrypt;
  }
  return std::nullopt;
}

absl::StatusOr<std::string> DeriveAltchaKey(const KdfParameters& parameters,
                                            absl::string_view nonce, absl::string_view salt,
                                            uint32_t counter) {
  if (parameters.key_length < 1 || parameters.key_length > kMaxKeyLength || parameters.cost < 1 ||
      parameters.cost > (int64_t{1} << 30)) {
    return absl::InvalidArgumentError("KDF parameters out of range");
  }
  const std::string password = absl::StrCat(nonce, BigEndian32(counter));
  std::string key(static_cast<std::size_t>(parameters.key_length), '\0');
  auto* out = reinterpret_cast<unsigned char*>(key.data());
  const auto* salt_bytes = reinterpret_cast<const unsigned char*>(salt.data());
  switch (parameters.algorithm) {
    case PowAlgorithm::kPbkdf2:
      if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt_bytes,
                            static_cast<int>(salt.size()), static_cast<int>(parameters.cost),
                            EVP_sha256(), static_cast<int>(key.size()), out) != 1) {
        return absl::InvalidArgumentError("PBKDF2 failed");
      }
      return key;
    case PowAlgorithm::kScrypt: {
      if (parameters.memory_cost < 1 || parameters.memory_cost > 64 || parameters.parallelism < 1 ||
          parameters.parallelism > 64) {
        return absl::InvalidArgumentError("scrypt parameters out of range");
      }
      const auto n = static_cast<uint64_t>(parameters.cost);
      const auto r = static_cast<uint64_t>(parameters.memory_cost);
      const auto p = static_cast<uint64_t>(parameters.parallelism);
      // What OpenSSL allocates (128·r·(N + 2) + 128·r·p), plus room.
      const uint64_t max_memory = 128 * r * (n + 2) + 128 * r * p + (uint64_t{1} << 20);
      if (EVP_PBE_scrypt(password.data(), password.size(), salt_bytes, salt.size(), n, r, p,
                         max_memory, out, key.size()) != 1) {
        return absl::InvalidArgumentError("scrypt failed (N must be a power of two above 1)");
      }
      return key;
    }
    case PowAlgorithm::kSha256:
      break;
  }
  return absl::InvalidArgumentError("not a key-derivation algorithm");
}

std::string AltchaChallenge::Json() const {
  if (!parameters_json.empty()) {
    nlohmann::ordered_json object = {{"parameters", nlohmann::ordered_json::parse(parameters_json)},
                                     {"signature", signature}};
    return object.dump();
  }
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
  if (options_.algorithm == PowAlgorithm::kSha256) {
    return CreateClassic(maxnumber, refusal_score);
  }
  return CreateDerived(maxnumber, refusal_score);
}

AltchaChallenge Altcha::CreateDerived(int64_t maxnumber, double refusal_score) {
  maxnumber = std::clamp<int64_t>(maxnumber, 1, kMaxCounter + 1);
  const bool scrypt = options_.algorithm == PowAlgorithm::kScrypt;
  const KdfParameters kdf{.algorithm = options_.algorithm,
                          .cost = scrypt ? options_.scrypt_n : options_.pbkdf2_iterations,
                          .memory_cost = options_.scrypt_r,
                          .parallelism = options_.scrypt_p,
                          .key_length = 32};
  AltchaChallenge out;
  out.algorithm = std::string(scrypt ? kAltchaScrypt : kAltchaPbkdf2);
  out.maxnumber = maxnumber;
  out.expire_time = absl::FromUnixSeconds(absl::ToUnixSeconds(clock_.Now() + options_.ttl));
  const std::string nonce = random_.Bytes(kNonceBytes);
  const std::string salt = random_.Bytes(kKdfSaltBytes);
  out.number = static_cast<int64_t>(random_.Uniform(static_cast<std::size_t>(maxnumber)));
  // The settings were checked at start-up: a failure here is a bug.
  const absl::StatusOr<std::string> key =
      DeriveAltchaKey(kdf, nonce, salt, static_cast<uint32_t>(out.number));
  if (!key.ok()) {
    std::fprintf(stderr, "fatal: %s\n", std::string(key.status().message()).c_str());
    std::abort();
  }
  out.derived_key = crypto::HexEncode(*key);
  out.challenge = out.derived_key.substr(0, static_cast<std::size_t>(kdf.key_length));
  out.salt = crypto::HexEncode(salt);
  nlohmann::json parameters = {
      {"algorithm", out.algorithm},
      {"nonce", crypto::HexEncode(nonce)},
      {"salt", out.salt},
      {"cost", kdf.cost},
      {"keyLength", kdf.key_length},
      {"keyPrefix", out.challenge},
      {"keySignature", crypto::HexEncode(crypto::HmacSha256(hmac_key_, *key))},
      {"expiresAt", absl::ToUnixSeconds(out.expire_time)},
  };
  if (scrypt) {
    parameters["memoryCost"] = kdf.memory_cost;
    parameters["parallelism"] = kdf.parallelism;
  }
  if (refusal_score >= 0.05) {
    parameters["data"] = {{"cost", absl::StrFormat("%.1f", refusal_score)}};
  }
  out.parameters_json = CanonicalJson(parameters);
  out.signature = crypto::HexEncode(crypto::HmacSha256(hmac_key_, out.parameters_json));
  return out;
}

AltchaChallenge Altcha::CreateClassic(int64_t maxnumber, double refusal_score) {
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
  if (const auto it = object.find("solution"); it != object.end()) {
    return VerifyDerived(object, hmac_key_, clock_.Now(), options_.max_lifetime);
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
  if (!challenge.parameters_json.empty()) {
    // The widget's shape for the second protocol.
    nlohmann::ordered_json object = {
        {"challenge",
         {{"parameters", nlohmann::ordered_json::parse(challenge.parameters_json)},
          {"signature", challenge.signature}}},
        {"solution",
         {{"counter", number}, {"derivedKey", challenge.derived_key}, {"time", took_ms}}}};
    return absl::Base64Escape(object.dump());
  }
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

namespace {

// The second protocol's brute force: each try is a derivation.
std::optional<std::pair<int64_t, std::string>> SolveDerived(const AltchaChallenge& challenge) {
  const nlohmann::json parameters = nlohmann::json::parse(challenge.parameters_json);
  KdfParameters kdf{.algorithm = parameters.value("algorithm", "") == kAltchaScrypt
                                     ? PowAlgorithm::kScrypt
                                     : PowAlgorithm::kPbkdf2,
                    .cost = parameters.value("cost", int64_t{1}),
                    .memory_cost = parameters.value("memoryCost", int64_t{8}),
                    .parallelism = parameters.value("parallelism", int64_t{1}),
                    .key_length = parameters.value("keyLength", int64_t{32})};
  const absl::StatusOr<std::string> nonce = crypto::HexDecode(parameters.value("nonce", ""));
  const absl::StatusOr<std::string> salt = crypto::HexDecode(parameters.value("salt", ""));
  if (!nonce.ok() || !salt.ok()) {
    return std::nullopt;
  }
  const std::string prefix = parameters.value("keyPrefix", "");
  for (int64_t n = 0; n < challenge.maxnumber && n <= kMaxCounter; ++n) {
    absl::StatusOr<std::string> key = DeriveAltchaKey(kdf, *nonce, *salt, static_cast<uint32_t>(n));
    if (!key.ok()) {
      return std::nullopt;
    }
    std::string hex = crypto::HexEncode(*key);
    if (absl::StartsWith(hex, prefix)) {
      return std::make_pair(n, std::move(hex));
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<AltchaChallenge> ParseAltchaChallenge(absl::string_view json) {
  const nlohmann::json object = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (object.is_discarded() || !object.is_object() || !object.contains("signature") ||
      !object["signature"].is_string()) {
    return std::nullopt;
  }
  AltchaChallenge out;
  out.signature = object["signature"].get<std::string>();
  if (const auto parameters = object.find("parameters"); parameters != object.end()) {
    if (!parameters->is_object()) {
      return std::nullopt;
    }
    out.parameters_json = CanonicalJson(*parameters);
    out.algorithm = parameters->value("algorithm", "");
    out.challenge = parameters->value("keyPrefix", "");
    out.salt = parameters->value("salt", "");
    out.maxnumber = kMaxCounter + 1;
    out.expire_time = absl::FromUnixSeconds(parameters->value("expiresAt", int64_t{0}));
    return out;
  }
  out.algorithm = object.value("algorithm", "");
  out.challenge = object.value("challenge", "");
  out.salt = object.value("salt", "");
  out.maxnumber = object.value("maxnumber", int64_t{0});
  return out;
}

std::optional<std::string> SolveAltchaPayload(const AltchaChallenge& challenge) {
  if (challenge.parameters_json.empty()) {
    const std::optional<int64_t> number = SolveAltcha(challenge);
    return number ? std::optional<std::string>(EncodeAltchaPayload(challenge, *number))
                  : std::nullopt;
  }
  const auto solved = SolveDerived(challenge);
  if (!solved) {
    return std::nullopt;
  }
  AltchaChallenge copy = challenge;
  copy.derived_key = solved->second;
  return EncodeAltchaPayload(copy, solved->first);
}

std::optional<int64_t> SolveAltcha(const AltchaChallenge& challenge) {
  if (!challenge.parameters_json.empty()) {
    const auto solved = SolveDerived(challenge);
    return solved ? std::optional<int64_t>(solved->first) : std::nullopt;
  }
  for (int64_t n = 0; n <= challenge.maxnumber; ++n) {
    if (HashHex(challenge.salt, n) == challenge.challenge) {
      return n;
    }
  }
  return std::nullopt;
}

}  // namespace moderation::pow
