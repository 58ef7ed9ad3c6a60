#include "service/captcha/captcha_service.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "service/common/errors.h"
#include "service/crypto/crypto.h"

namespace moderation::captcha {
namespace {

constexpr std::size_t kIdRandomBytes = 16;

// The reader's message is api/'s, by reason.
absl::Status CaptchaError(absl::string_view field, absl::string_view reason) {
  return InvalidFields({{std::string(field), std::string(reason), ""}});
}

// Ids look like "<32 hex digits>.<expiry, unix seconds>".
std::optional<absl::Time> ExpiryOf(absl::string_view captcha_id) {
  const std::size_t dot = captcha_id.find('.');
  int64_t seconds = 0;
  if (dot != kIdRandomBytes * 2 || !absl::SimpleAtoi(captcha_id.substr(dot + 1), &seconds)) {
    return std::nullopt;
  }
  for (char c : captcha_id.substr(0, dot)) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) {
      return std::nullopt;
    }
  }
  return absl::FromUnixSeconds(seconds);
}

}  // namespace

CaptchaService::CaptchaService(CaptchaStore& store, const CaptchaRenderer& renderer,
                               const CaptchaAudio* audio, const Clock& clock, RandomSource& random,
                               std::string answer_key, CaptchaOptions options)
    : store_(store),
      renderer_(renderer),
      audio_(audio),
      clock_(clock),
      random_(random),
      answer_key_(std::move(answer_key)),
      options_(options) {}

std::optional<absl::Time> CaptchaService::IssueTime(absl::string_view captcha_id) const {
  const std::optional<absl::Time> expiry = ExpiryOf(captcha_id);
  if (!expiry) {
    return std::nullopt;
  }
  // Create rounds the expiry up to the next whole second.
  return *expiry - options_.ttl - absl::Seconds(1);
}

std::string CaptchaService::Digest(absl::string_view captcha_id, absl::string_view answer) const {
  return crypto::HmacSha256(answer_key_,
                            absl::StrCat(captcha_id, ":", absl::AsciiStrToUpper(answer)));
}

void CaptchaService::Create(bool audio,
                            absl::AnyInvocable<void(absl::StatusOr<IssuedCaptcha>) &&> done) {
  absl::StatusOr<IssuedCaptcha> issued = Draw(audio);
  if (!issued.ok()) {
    std::move(done)(issued.status());
    return;
  }
  Save(*std::move(issued), std::move(done));
}

absl::StatusOr<IssuedCaptcha> CaptchaService::Draw(bool audio) {
  if (audio && audio_ == nullptr) {
    return InvalidFields({{"audio", "UNSUPPORTED", "Mã xác nhận bằng âm thanh chưa được hỗ trợ."}});
  }
  auto draw_code = [this](absl::string_view alphabet) {
    std::string code;
    code.reserve(options_.length);
    for (int i = 0; i < options_.length; ++i) {
      code.push_back(alphabet[random_.Uniform(alphabet.size())]);
    }
    return code;
  };
  std::string code = draw_code(kCaptchaAlphabet);
  absl::StatusOr<std::string> png = renderer_.RenderPng(code, random_);
  if (!png.ok()) {
    return png.status();
  }
  std::string wav;
  std::string spoken_code;
  if (audio) {
    spoken_code = draw_code(kAudioCaptchaAlphabet);
    absl::StatusOr<std::string> spoken = audio_->RenderWav(spoken_code, random_);
    if (!spoken.ok()) {
      return spoken.status();
    }
    wav = *std::move(spoken);
  }
  // Whole seconds, rounded up, so the id's expiry is never before the store's.
  const absl::Time expire_time =
      absl::FromUnixSeconds(absl::ToUnixSeconds(clock_.Now() + options_.ttl) + 1);
  return IssuedCaptcha{
      .captcha_id = absl::StrCat(crypto::HexEncode(random_.Bytes(kIdRandomBytes)), ".",
                                 absl::ToUnixSeconds(expire_time)),
      .png = *std::move(png),
      .wav = std::move(wav),
      .expire_time = expire_time,
      .answer = std::move(code),
      .audio_answer = std::move(spoken_code),
      .altcha = std::nullopt,
  };
}

void CaptchaService::Save(IssuedCaptcha issued,
                          absl::AnyInvocable<void(absl::StatusOr<IssuedCaptcha>) &&> done) {
  // One value under one key, so that the store's single Take still uses up
  // both answers at once: the image's digest, then the spoken code's.
  std::string digest = Digest(issued.captcha_id, issued.answer);
  if (!issued.audio_answer.empty()) {
    digest += Digest(issued.captcha_id, issued.audio_answer);
  }
  const std::string id = issued.captcha_id;
  store_.Save(id, digest, options_.ttl,
              [issued = std::move(issued), done = std::move(done)](absl::Status saved) mutable {
                if (!saved.ok()) {
                  std::move(done)(std::move(saved));
                  return;
                }
                std::move(done)(std::move(issued));
              });
}

void CaptchaService::Discard(const std::string& captcha_id,
                             absl::AnyInvocable<void(absl::Status) &&> done) {
  store_.Take(captcha_id,
              [done = std::move(done)](const absl::StatusOr<TakeResult>& taken) mutable {
                std::move(done)(taken.status());
              });
}

void CaptchaService::Verify(const std::string& captcha_id, const std::string& answer,
                            absl::AnyInvocable<void(absl::Status) &&> done) {
  absl::StatusOr<CaptchaAttempt> attempt = PrepareAttempt(captcha_id, answer);
  if (!attempt.ok()) {
    std::move(done)(attempt.status());
    return;
  }
  store_.Take(captcha_id, [this, attempt = *std::move(attempt),
                           done = std::move(done)](absl::StatusOr<TakeResult> taken) mutable {
    if (!taken.ok()) {
      std::move(done)(taken.status());
      return;
    }
    std::move(done)(Judge(attempt, *taken));
  });
}

absl::StatusOr<CaptchaAttempt> CaptchaService::PrepareAttempt(const std::string& captcha_id,
                                                              const std::string& answer) const {
  const std::optional<absl::Time> expiry = ExpiryOf(captcha_id);
  if (!expiry) {
    return CaptchaError("captcha_id", "CAPTCHA_UNKNOWN");
  }
  // Judged here, once: the store's copy expires with it, and a verdict taken
  // after the store has acted must agree with what the store did.
  if (clock_.Now() > *expiry) {
    return CaptchaError("captcha_id", "CAPTCHA_EXPIRED");
  }
  return CaptchaAttempt{.captcha_id = captcha_id,
                        .answer_digest = Digest(captcha_id, answer),
                        .expire_time = *expiry};
}

bool CaptchaService::AnswerMatches(absl::string_view attempt_digest, absl::string_view stored) {
  const std::size_t size = attempt_digest.size();
  bool right = false;
  for (std::size_t offset = 0; size > 0 && offset + size <= stored.size(); offset += size) {
    right |= crypto::ConstantTimeEquals(attempt_digest, stored.substr(offset, size));
  }
  return right;
}

absl::Status CaptchaService::Judge(const CaptchaAttempt& attempt, const TakeResult& taken) const {
  switch (taken.outcome) {
    case TakeOutcome::kAlreadyUsed:
      return CaptchaError("captcha_id", "CAPTCHA_ALREADY_USED");
    case TakeOutcome::kMissing:
      return clock_.Now() > attempt.expire_time ? CaptchaError("captcha_id", "CAPTCHA_EXPIRED")
                                                : CaptchaError("captcha_id", "CAPTCHA_UNKNOWN");
    case TakeOutcome::kTaken:
      break;
  }
  if (!AnswerMatches(attempt.answer_digest, taken.answer_digest)) {
    return CaptchaError("captcha_answer", "CAPTCHA_WRONG");
  }
  return absl::OkStatus();
}

}  // namespace moderation::captcha
