#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "service/captcha/captcha_audio.h"

namespace moderation::captcha {

// Says a digit code in Vietnamese with espeak-ng, over noise: a short prompt
// ("Mã xác nhận là"), then each digit as its Vietnamese word, each in a voice,
// pitch and speed of its own, with uneven pauses, under murmur (digits played
// backwards, quietly) and a hiss that swells and fades. 16 kHz, 16-bit mono.
//
// espeak-ng is one global, non-reentrant engine, so every digit is spoken once
// per voice variant at construction (under a process-wide lock) and kept; a
// captcha is then assembled from those recordings, resampled and mixed anew
// each time. RenderWav never calls espeak-ng: it is thread-safe and fast.
class EspeakCaptchaAudio final : public CaptchaAudio {
 public:
  static constexpr int kSampleRate = 16000;
  static constexpr std::size_t kMaxCodeLength = 12;

  struct Options {
    // The directory holding espeak-ng-data; empty for the library's default
    // (Debian's espeak-ng-data package). The engine is started once per
    // process, so only the first Create's path counts.
    std::string data_path;
    // espeak-ng voice names ("language+variant"); each must speak Vietnamese.
    std::vector<std::string> voices = {"vi", "vi+f2", "vi+m3", "vi+f4", "vi+m7", "vi+f5"};
  };

  // Speaks every digit in every voice, at two pitches. FAILED_PRECONDITION
  // when espeak-ng or its Vietnamese voice cannot be loaded (the message names
  // the Debian package to install).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<EspeakCaptchaAudio>> Create(
      const Options& options);
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<EspeakCaptchaAudio>> Create() {
    return Create(Options{});
  }

  [[nodiscard]] absl::StatusOr<std::string> RenderWav(absl::string_view code,
                                                      RandomSource& random) const override;

 private:
  // One spoken word at espeak-ng's own rate, trimmed, band-limited for the
  // resampling to kSampleRate, at a common loudness.
  using Clip = std::vector<float>;

  EspeakCaptchaAudio(int source_rate, std::array<std::vector<Clip>, 10> digits,
                     std::vector<Clip> prompts);

  int source_rate_;
  std::array<std::vector<Clip>, 10> digits_;
  std::vector<Clip> prompts_;
};

}  // namespace moderation::captcha
