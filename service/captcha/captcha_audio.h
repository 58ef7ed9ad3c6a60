#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "service/common/random.h"

namespace moderation::captcha {

// Audio codes are digits only. Spoken Vietnamese letters are easy to confuse
// (e, ê, a, ă, â; "đê" and "tê"), while every digit has its own word (không,
// một, hai, ba, bốn, năm, sáu, bảy, tám, chín), which any Vietnamese voice
// says and any listener knows. So an audio captcha gets its own code, drawn
// from this alphabet; all ten digits are fine here because look-alikes only
// matter to the eye.
inline constexpr absl::string_view kAudioCaptchaAlphabet = "0123456789";

// Speaks a captcha code, for readers who cannot see the image.
class CaptchaAudio {
 public:
  virtual ~CaptchaAudio() = default;
  // Returns a WAV file (RIFF, PCM 16-bit mono) that says `code`, one digit at
  // a time. `code` must consist of characters of kAudioCaptchaAlphabet
  // (INVALID_ARGUMENT otherwise). `random` drives voices, timing and noise.
  // Thread-safe.
  [[nodiscard]] virtual absl::StatusOr<std::string> RenderWav(absl::string_view code,
                                                              RandomSource& random) const = 0;
};

}  // namespace moderation::captcha
