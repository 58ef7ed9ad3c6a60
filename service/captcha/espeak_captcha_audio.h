#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "service/captcha/captcha_audio.h"

namespace moderation::captcha {

// Says a digit code in Vietnamese with espeak-ng, over babble: a short prompt
// ("Mã xác nhận là"), then each digit as its Vietnamese word, under other
// people talking (everyday Vietnamese phrases, no digits) and a hiss that
// swells and fades. 16 kHz, 16-bit mono.
//
// Every word of the code is synthesised for this captcha alone, with a voice
// variant, pitch, pitch range and speed drawn anew, then resampled by a
// continuous factor (shifting pitch and formants together), wobbled by a
// vibrato and coloured by a resonance of random frequency and gain: no finite
// set of recordings covers the words, so a template bank made from the public
// code does not either. The babble comes from phrases recorded once at
// construction, re-pitched, re-timed and mixed anew each time; it is what a
// segmenter and a matcher hear together with each word.
//
// espeak-ng is one global, non-reentrant engine: RenderWav speaks the code
// under a process-wide lock, then shapes and mixes outside it (about 13 ms of
// CPU per 6-digit WAV in all; tests/bench/captcha_bench.cc). Thread-safe.
class EspeakCaptchaAudio final : public CaptchaAudio {
 public:
  static constexpr int kSampleRate = 16000;
  static constexpr std::size_t kMaxCodeLength = 12;
  // How much louder each spoken digit is than the babble over the same
  // samples (RMS ratio, dB): drawn per digit in this range. Digits in
  // multi-talker babble are recognised by listeners with normal hearing well
  // below 0 dB; at these ratios they stand clearly in front, while the babble
  // is loud enough to be heard as speech in every word's slot.
  static constexpr double kMinSpeechToBabbleDb = 3;
  static constexpr double kMaxSpeechToBabbleDb = 7;

  struct Options {
    // The directory holding espeak-ng-data; empty for the library's default
    // (Debian's espeak-ng-data package). The engine is started once per
    // process, so only the first Create's path counts.
    std::string data_path;
    // espeak-ng voice names ("language+variant"); each must speak Vietnamese.
    std::vector<std::string> voices = {"vi", "vi+f2", "vi+m3", "vi+f4", "vi+m7", "vi+f5"};
    // Talkers heard at once in the babble.
    int babble_talkers = 3;
  };

  // How one word of the code was spoken, for tests and measurements.
  struct WordVoice {
    std::size_t voice = 0;  // index into Options::voices
    int pitch = 0;          // espeak-ng's 0-100 scale
    int pitch_range = 0;    // espeak-ng's 0-100 scale
    int words_per_minute = 0;
    double speed = 1;  // resampling: > 1 is higher and faster
  };

  // The layers of a rendering before hiss and normalisation: `speech` (the
  // prompt and the digits) and `babble`, of equal length, and where each digit
  // lies in them.
  struct Layers {
    std::vector<float> speech;
    std::vector<float> babble;
    std::vector<std::pair<std::size_t, std::size_t>> digit_spans;  // [begin, end)
    std::vector<WordVoice> digit_voices;
  };

  // Starts espeak-ng and records the babble phrases in every voice.
  // FAILED_PRECONDITION when espeak-ng or its Vietnamese voice cannot be loaded
  // (the message names the Debian package to install).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<EspeakCaptchaAudio>> Create(
      const Options& options);
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<EspeakCaptchaAudio>> Create() {
    return Create(Options{});
  }

  [[nodiscard]] absl::StatusOr<std::string> RenderWav(absl::string_view code,
                                                      RandomSource& random) const override;

  // RenderWav's first half. INVALID_ARGUMENT for a code that is not 1 to
  // kMaxCodeLength digits; INTERNAL if espeak-ng fails.
  [[nodiscard]] absl::StatusOr<Layers> RenderLayers(absl::string_view code,
                                                    RandomSource& random) const;

 private:
  // Samples at espeak-ng's own rate, trimmed, band-limited for the resampling
  // to kSampleRate, at a common loudness.
  using Clip = std::vector<float>;

  EspeakCaptchaAudio(int source_rate, std::vector<std::string> voices, std::vector<Clip> babble,
                     int babble_talkers);

  int source_rate_;
  std::vector<std::string> voices_;
  std::vector<Clip> babble_;
  int babble_talkers_;
};

}  // namespace moderation::captcha
