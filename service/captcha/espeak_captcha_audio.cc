#include "service/captcha/espeak_captcha_audio.h"

#include <espeak-ng/speak_lib.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <numbers>
#include <utility>

#include "absl/base/const_init.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "service/captcha/distortion_random.h"

namespace moderation::captcha {
namespace {

// The digits as words, so that what is said does not depend on the voice's
// rules for reading numbers.
constexpr std::array<const char*, 10> kDigitWords = {
    "không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín",
};
constexpr char kPrompt[] = "Mã xác nhận là";

// Each voice speaks at these pitches (espeak-ng's 0-100 scale): more
// recordings of each digit for the same start-up cost per voice.
constexpr std::array<int, 2> kPitches = {38, 62};
constexpr int kWordsPerMinute = 150;

// Every recording is brought to this RMS (full scale 1.0) so that voices are
// equally loud; the mix is normalised to kPeak at the end.
constexpr double kSpeechRms = 0.2;
constexpr double kTwoPi = 2 * std::numbers::pi;
constexpr double kPeak = 0.9;

// espeak-ng keeps its state in globals: one engine per process, one caller at
// a time.
// NOLINTNEXTLINE(cert-err58-cpp): constant-initialised, cannot throw
ABSL_CONST_INIT absl::Mutex engine_mutex(absl::kConstInit);
int engine_rate ABSL_GUARDED_BY(engine_mutex) = 0;

int CollectSamples(short* wav, int count, espeak_EVENT* events) {
  if (wav != nullptr && count > 0 && events != nullptr && events->user_data != nullptr) {
    auto* samples = static_cast<std::vector<int16_t>*>(events->user_data);
    samples->insert(samples->end(), wav, wav + count);
  }
  return 0;
}

absl::StatusOr<int> StartEngine(const std::string& data_path)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(engine_mutex) {
  if (engine_rate > 0) {
    return engine_rate;
  }
  // Without DONT_EXIT, espeak-ng ends the process when its data is missing.
  const int rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0,
                                     data_path.empty() ? nullptr : data_path.c_str(),
                                     espeakINITIALIZE_DONT_EXIT);
  if (rate <= 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot start espeak-ng (data directory ",
                     data_path.empty() ? "the library's default" : data_path,
                     "); install Debian's espeak-ng-data"));
  }
  espeak_SetSynthCallback(CollectSamples);
  engine_rate = rate;
  return rate;
}

absl::StatusOr<std::vector<int16_t>> Speak(const std::string& voice, int pitch, const char* text)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(engine_mutex) {
  if (espeak_SetVoiceByName(voice.c_str()) != EE_OK) {
    return absl::FailedPreconditionError(
        absl::StrCat("espeak-ng has no voice \"", voice, "\"; install Debian's espeak-ng-data"));
  }
  espeak_SetParameter(espeakRATE, kWordsPerMinute, 0);
  espeak_SetParameter(espeakPITCH, pitch, 0);
  std::vector<int16_t> samples;
  const espeak_ERROR error = espeak_Synth(text, std::strlen(text) + 1, 0, POS_CHARACTER, 0,
                                          espeakCHARS_UTF8, nullptr, &samples);
  if (error != EE_OK || samples.empty()) {
    return absl::InternalError(
        absl::StrCat("espeak-ng could not say \"", text, "\" in voice \"", voice, "\""));
  }
  return samples;
}

// Windowed-sinc low-pass: the recordings are resampled to a lower rate by
// linear interpolation, which would fold everything above the new Nyquist
// frequency back into the speech band.
std::vector<float> LowPass(const std::vector<float>& input, double cutoff_fraction) {
  constexpr int kHalfTaps = 16;
  std::array<double, 2 * kHalfTaps + 1> taps{};
  double sum = 0;
  for (int i = -kHalfTaps; i <= kHalfTaps; ++i) {
    const double sinc =
        i == 0 ? 2 * cutoff_fraction
               : std::sin(2 * std::numbers::pi * cutoff_fraction * i) / (std::numbers::pi * i);
    const double window = 0.54 + 0.46 * std::cos(std::numbers::pi * i / kHalfTaps);
    const int tap = i + kHalfTaps;
    taps[static_cast<std::size_t>(tap)] = sinc * window;
    sum += sinc * window;
  }
  std::vector<float> output(input.size());
  const int size = static_cast<int>(input.size());
  for (int n = 0; n < size; ++n) {
    double acc = 0;
    for (int i = -kHalfTaps; i <= kHalfTaps; ++i) {
      const int k = n - i;
      if (k >= 0 && k < size) {
        const int tap = i + kHalfTaps;
        acc += taps[static_cast<std::size_t>(tap)] * input[static_cast<std::size_t>(k)];
      }
    }
    output[static_cast<std::size_t>(n)] = static_cast<float>(acc / sum);
  }
  return output;
}

// Trims the silence espeak-ng puts around a word, band-limits it and sets its
// loudness.
std::vector<float> Prepare(const std::vector<int16_t>& samples, int source_rate) {
  std::vector<float> clip(samples.size());
  float peak = 0;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    clip[i] = static_cast<float>(samples[i]) / 32768.0F;
    peak = std::max(peak, std::abs(clip[i]));
  }
  const float threshold = peak * 0.02F;
  auto loud = [threshold](float sample) { return std::abs(sample) > threshold; };
  const auto first = std::find_if(clip.begin(), clip.end(), loud);
  const auto last = std::find_if(clip.rbegin(), clip.rend(), loud).base();
  const std::ptrdiff_t margin = source_rate / 100;
  const std::ptrdiff_t begin = std::max<std::ptrdiff_t>(0, (first - clip.begin()) - margin);
  const std::ptrdiff_t end = std::min<std::ptrdiff_t>(static_cast<std::ptrdiff_t>(clip.size()),
                                                      (last - clip.begin()) + margin);
  clip = std::vector<float>(clip.begin() + begin, clip.begin() + std::max(begin, end));
  if (source_rate > EspeakCaptchaAudio::kSampleRate) {
    clip = LowPass(clip, 0.45 * EspeakCaptchaAudio::kSampleRate / source_rate);
  }
  double energy = 0;
  for (float sample : clip) {
    energy += static_cast<double>(sample) * sample;
  }
  const double rms = clip.empty() ? 0 : std::sqrt(energy / static_cast<double>(clip.size()));
  if (rms > 0) {
    const auto gain = static_cast<float>(kSpeechRms / rms);
    for (float& sample : clip) {
      sample *= gain;
    }
  }
  return clip;
}

// Adds `clip` into `mix` from `start` on, reading `step` source samples per
// output sample (linear interpolation), optionally backwards.
void AddClip(std::vector<float>& mix, std::size_t start, const std::vector<float>& clip,
             double step, float gain, bool backwards) {
  if (clip.size() < 2) {
    return;
  }
  const double last = static_cast<double>(clip.size() - 1);
  for (std::size_t n = start; n < mix.size(); ++n) {
    const double position = static_cast<double>(n - start) * step;
    if (position >= last) {
      break;
    }
    const double source = backwards ? last - position : position;
    const std::size_t index = std::min(static_cast<std::size_t>(source), clip.size() - 2);
    const auto fraction = static_cast<float>(source - static_cast<double>(index));
    mix[n] += gain * (clip[index] + (clip[index + 1] - clip[index]) * fraction);
  }
}

std::size_t OutputLength(const std::vector<float>& clip, double step) {
  return static_cast<std::size_t>(static_cast<double>(clip.size()) / step);
}

void PutLittleEndian(char* out, uint32_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) {
    out[i] = static_cast<char>((value >> (8 * i)) & 0xff);
  }
}

std::string EncodeWav(const std::vector<float>& mix) {
  constexpr std::size_t kHeaderBytes = 44;
  const auto data_bytes = static_cast<uint32_t>(mix.size() * 2);
  std::string wav(kHeaderBytes + data_bytes, '\0');
  char* out = wav.data();
  std::copy_n("RIFF", 4, out);
  PutLittleEndian(out + 4, 36 + data_bytes, 4);
  std::copy_n("WAVEfmt ", 8, out + 8);
  PutLittleEndian(out + 16, 16, 4);  // size of the fmt chunk
  PutLittleEndian(out + 20, 1, 2);   // PCM
  PutLittleEndian(out + 22, 1, 2);   // mono
  PutLittleEndian(out + 24, EspeakCaptchaAudio::kSampleRate, 4);
  PutLittleEndian(out + 28, EspeakCaptchaAudio::kSampleRate * 2, 4);  // bytes per second
  PutLittleEndian(out + 32, 2, 2);                                    // bytes per frame
  PutLittleEndian(out + 34, 16, 2);                                   // bits per sample
  std::copy_n("data", 4, out + 36);
  PutLittleEndian(out + 40, data_bytes, 4);
  out += kHeaderBytes;
  for (float sample : mix) {
    const float scaled = std::clamp(sample, -1.0F, 1.0F) * 32767.0F;
    const auto value = static_cast<int16_t>(scaled + (scaled >= 0 ? 0.5F : -0.5F));
    PutLittleEndian(out, static_cast<uint16_t>(value), 2);
    out += 2;
  }
  return wav;
}

}  // namespace

absl::StatusOr<std::unique_ptr<EspeakCaptchaAudio>> EspeakCaptchaAudio::Create(
    const Options& options) {
  if (options.voices.empty()) {
    return absl::InvalidArgumentError("the captcha audio needs at least one voice");
  }
  absl::MutexLock lock(&engine_mutex);
  const absl::StatusOr<int> rate = StartEngine(options.data_path);
  if (!rate.ok()) {
    return rate.status();
  }
  std::array<std::vector<Clip>, 10> digits;
  std::vector<Clip> prompts;
  for (const std::string& voice : options.voices) {
    for (int pitch : kPitches) {
      for (std::size_t digit = 0; digit < kDigitWords.size(); ++digit) {
        absl::StatusOr<std::vector<int16_t>> spoken = Speak(voice, pitch, kDigitWords[digit]);
        if (!spoken.ok()) {
          return spoken.status();
        }
        digits[digit].push_back(Prepare(*spoken, *rate));
        if (digits[digit].back().size() < static_cast<std::size_t>(*rate / 20)) {
          return absl::InternalError(absl::StrCat("espeak-ng said \"", kDigitWords[digit],
                                                  "\" in voice \"", voice, "\" as silence"));
        }
      }
      absl::StatusOr<std::vector<int16_t>> prompt = Speak(voice, pitch, kPrompt);
      if (!prompt.ok()) {
        return prompt.status();
      }
      prompts.push_back(Prepare(*prompt, *rate));
    }
  }
  return std::unique_ptr<EspeakCaptchaAudio>(
      new EspeakCaptchaAudio(*rate, std::move(digits), std::move(prompts)));
}

EspeakCaptchaAudio::EspeakCaptchaAudio(int source_rate, std::array<std::vector<Clip>, 10> digits,
                                       std::vector<Clip> prompts)
    : source_rate_(source_rate), digits_(std::move(digits)), prompts_(std::move(prompts)) {}

absl::StatusOr<std::string> EspeakCaptchaAudio::RenderWav(absl::string_view code,
                                                          RandomSource& secure_random) const {
  if (code.empty() || code.size() > kMaxCodeLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("an audio captcha code has 1 to ", kMaxCodeLength, " digits"));
  }
  for (char c : code) {
    if (c < '0' || c > '9') {
      return absl::InvalidArgumentError("an audio captcha code has digits only");
    }
  }
  DistortionRandom dice(secure_random);
  const double base_step = static_cast<double>(source_rate_) / kSampleRate;
  auto seconds = [](double value) { return static_cast<std::size_t>(value * kSampleRate); };
  auto pick = [&dice](const std::vector<Clip>& clips) -> const Clip& {
    return clips[static_cast<std::size_t>(dice.Int(0, static_cast<int>(clips.size()) - 1))];
  };

  // Lay out the prompt and the digits: every word at its own speed, every
  // pause of its own length, so that the digits cannot be cut at fixed times.
  struct Word {
    const Clip* clip;
    double step;
    float gain;
    std::size_t start;
  };
  std::vector<Word> words;
  std::size_t cursor = seconds(dice.Real(0.2, 0.5));
  {
    const Clip& prompt = pick(prompts_);
    const double step = base_step * dice.Real(0.95, 1.05);
    words.push_back({&prompt, step, 1.0F, cursor});
    cursor += OutputLength(prompt, step) + seconds(dice.Real(0.6, 0.9));
  }
  for (char c : code) {
    const Clip& clip = pick(digits_[static_cast<std::size_t>(c - '0')]);
    const double step = base_step * dice.Real(0.88, 1.12);
    words.push_back({&clip, step, static_cast<float>(dice.Real(0.75, 1.0)), cursor});
    cursor += OutputLength(clip, step) + seconds(dice.Real(0.25, 0.8));
  }
  std::vector<float> mix(cursor + seconds(dice.Real(0.2, 0.4)), 0.0F);
  for (const Word& word : words) {
    AddClip(mix, word.start, *word.clip, word.step, word.gain, false);
  }

  // Murmur: other digits, backwards and quiet, anywhere. A person hears them
  // as background; a recogniser cannot tell where the real words start.
  const int murmurs = static_cast<int>(code.size()) + 3;
  for (int i = 0; i < murmurs; ++i) {
    const Clip& clip = pick(digits_[static_cast<std::size_t>(dice.Int(0, 9))]);
    const double step = base_step * dice.Real(0.8, 1.25);
    const std::size_t length = OutputLength(clip, step);
    const std::size_t start =
        length >= mix.size() ? 0 : static_cast<std::size_t>(dice.Real(0, mix.size() - length));
    AddClip(mix, start, clip, step, static_cast<float>(dice.Real(0.1, 0.2)), true);
  }

  // Hiss, coloured by a one-pole low-pass and swelling slowly; `level` is its
  // RMS before the swell.
  {
    const double smoothing = dice.Real(0.25, 0.7);
    // Uniform white noise in [-1, 1] has variance 1/3; the filter keeps
    // smoothing / (2 - smoothing) of it.
    const double filtered_rms = std::sqrt(smoothing / (3 * (2 - smoothing)));
    const double level = kSpeechRms * dice.Real(0.3, 0.45) / filtered_rms;
    const double swell_rate = kTwoPi * dice.Real(0.3, 1.2) / kSampleRate;
    const double swell_phase = dice.Real(0, kTwoPi);
    // xorshift64: the noise needs speed, not quality, and a sample each.
    uint64_t state = (static_cast<uint64_t>(dice.Bits()) << 32) | dice.Bits() | 1;
    double filtered = 0;
    // The swell is below 2 Hz: computing it every 2 ms is smooth enough.
    constexpr std::size_t kSwellBlock = 32;
    for (std::size_t block = 0; block < mix.size(); block += kSwellBlock) {
      const double swell =
          1.0 + 0.6 * std::sin(swell_rate * static_cast<double>(block) + swell_phase);
      const auto gain = static_cast<float>(level * swell);
      const std::size_t end = std::min(mix.size(), block + kSwellBlock);
      for (std::size_t n = block; n < end; ++n) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        const double white = static_cast<double>(state >> 11) * (2.0 / 9007199254740992.0) - 1.0;
        filtered += smoothing * (white - filtered);
        mix[n] += static_cast<float>(filtered) * gain;
      }
    }
  }

  float peak = 0;
  for (float sample : mix) {
    peak = std::max(peak, std::abs(sample));
  }
  if (peak > 0) {
    const auto gain = static_cast<float>(kPeak / peak);
    for (float& sample : mix) {
      sample *= gain;
    }
  }
  return EncodeWav(mix);
}

}  // namespace moderation::captcha
