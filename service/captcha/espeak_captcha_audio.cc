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

// What the babble says: everyday phrases without a digit or number word, so
// that a listener never hears a competing digit; many of their syllables
// sound like digits (bà, hài, bay, nằm, nam, sau, tâm, tấm, mất, chim, chìm,
// khung), which is what a matcher confuses.
constexpr std::array<const char*, 8> kBabblePhrases = {
    "bà con vui vẻ đi chợ sớm",      "bà hài hước nằm nghỉ sau nhà", "chim bay về tổ sau cơn mưa",
    "người dân nằm chờ ở bến xe",    "tấm ảnh mất màu bay xa",       "khung cảnh thật là yên bình",
    "chị nam hay chìm vào giấc ngủ", "cô giáo tâm sự với học trò",
};
constexpr int kBabblePitch = 50;
constexpr int kBabbleWordsPerMinute = 165;

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

struct SpeakParameters {
  int pitch = 50;
  int pitch_range = 50;
  int words_per_minute = 160;
};

absl::StatusOr<std::vector<int16_t>> Speak(const std::string& voice,
                                           const SpeakParameters& parameters, const char* text)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(engine_mutex) {
  if (espeak_SetVoiceByName(voice.c_str()) != EE_OK) {
    return absl::FailedPreconditionError(
        absl::StrCat("espeak-ng has no voice \"", voice, "\"; install Debian's espeak-ng-data"));
  }
  espeak_SetParameter(espeakRATE, parameters.words_per_minute, 0);
  espeak_SetParameter(espeakPITCH, parameters.pitch, 0);
  espeak_SetParameter(espeakRANGE, parameters.pitch_range, 0);
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

// How a clip is reshaped on its way into the mix; all continuous.
struct Shape {
  double step = 1;           // source samples per output sample
  double vibrato_depth = 0;  // relative change of the step
  double vibrato_rate = 0;   // radians per output sample
  double vibrato_phase = 0;
  double resonance_hz = 1000;  // a peaking filter: centre, gain, width
  double resonance_db = 0;
  double resonance_q = 1;
};

// Resamples `clip` (linear interpolation, the step wobbling by the vibrato),
// then colours it with the peaking filter (RBJ's cookbook biquad) and brings
// it to `rms`.
std::vector<float> Reshape(const std::vector<float>& clip, const Shape& shape, double rms) {
  std::vector<float> out;
  if (clip.size() < 2) {
    return out;
  }
  const double last = static_cast<double>(clip.size() - 1);
  out.reserve(static_cast<std::size_t>(last / shape.step) + 2);
  double position = 0;
  // The vibrato's sine by rotation, one multiply per sample instead of a
  // std::sin; the drift over a few seconds is negligible.
  const double turn_cos = std::cos(shape.vibrato_rate);
  const double turn_sin = std::sin(shape.vibrato_rate);
  double sine = std::sin(shape.vibrato_phase);
  double cosine = std::cos(shape.vibrato_phase);
  while (position < last) {
    const auto index = std::min(static_cast<std::size_t>(position), clip.size() - 2);
    const auto fraction = static_cast<float>(position - static_cast<double>(index));
    out.push_back(clip[index] + (clip[index + 1] - clip[index]) * fraction);
    position += shape.step * (1 + shape.vibrato_depth * sine);
    const double next_sine = sine * turn_cos + cosine * turn_sin;
    cosine = cosine * turn_cos - sine * turn_sin;
    sine = next_sine;
  }
  const double omega = kTwoPi * shape.resonance_hz / EspeakCaptchaAudio::kSampleRate;
  const double amplitude = std::pow(10.0, shape.resonance_db / 40);
  const double alpha = std::sin(omega) / (2 * shape.resonance_q);
  const double a0 = 1 + alpha / amplitude;
  const double b0 = (1 + alpha * amplitude) / a0;
  const double b1 = -2 * std::cos(omega) / a0;
  const double b2 = (1 - alpha * amplitude) / a0;
  const double a1 = b1;
  const double a2 = (1 - alpha / amplitude) / a0;
  double x1 = 0;
  double x2 = 0;
  double y1 = 0;
  double y2 = 0;
  double energy = 0;
  for (float& sample : out) {
    const double x = sample;
    const double y = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
    x2 = x1;
    x1 = x;
    y2 = y1;
    y1 = y;
    sample = static_cast<float>(y);
    energy += y * y;
  }
  const double current = out.empty() ? 0 : std::sqrt(energy / static_cast<double>(out.size()));
  if (current > 0) {
    const auto gain = static_cast<float>(rms / current);
    for (float& sample : out) {
      sample *= gain;
    }
  }
  return out;
}

// A shape drawn at random: `speed` ranges over pitch and tempo together.
Shape DrawShape(DistortionRandom& dice, double base_step, double speed) {
  return Shape{
      .step = base_step * speed,
      .vibrato_depth = dice.Real(0.005, 0.03),
      .vibrato_rate = kTwoPi * dice.Real(3, 7) / EspeakCaptchaAudio::kSampleRate,
      .vibrato_phase = dice.Real(0, kTwoPi),
      .resonance_hz = dice.Real(400, 3000),
      .resonance_db = dice.Real(-6, 6),
      .resonance_q = dice.Real(0.8, 2.5),
  };
}

void AddAt(std::vector<float>& mix, std::ptrdiff_t start, const std::vector<float>& clip) {
  const auto size = static_cast<std::ptrdiff_t>(mix.size());
  for (std::ptrdiff_t i = std::max<std::ptrdiff_t>(0, -start);
       i < static_cast<std::ptrdiff_t>(clip.size()) && start + i < size; ++i) {
    mix[static_cast<std::size_t>(start + i)] += clip[static_cast<std::size_t>(i)];
  }
}

double Rms(const std::vector<float>& samples, std::size_t begin, std::size_t end) {
  double energy = 0;
  for (std::size_t n = begin; n < end; ++n) {
    energy += static_cast<double>(samples[n]) * samples[n];
  }
  return end > begin ? std::sqrt(energy / static_cast<double>(end - begin)) : 0;
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
  if (options.babble_talkers < 0 || options.babble_talkers > 8) {
    return absl::InvalidArgumentError("the captcha babble has 0 to 8 talkers");
  }
  absl::MutexLock lock(&engine_mutex);
  const absl::StatusOr<int> rate = StartEngine(options.data_path);
  if (!rate.ok()) {
    return rate.status();
  }
  // Every voice must say a digit now, so that RenderWav does not find out
  // later that one cannot.
  std::vector<Clip> babble;
  for (const std::string& voice : options.voices) {
    absl::StatusOr<std::vector<int16_t>> digit = Speak(voice, SpeakParameters{}, kDigitWords[0]);
    if (!digit.ok()) {
      return digit.status();
    }
    if (Prepare(*digit, *rate).size() < static_cast<std::size_t>(*rate / 20)) {
      return absl::InternalError(absl::StrCat("espeak-ng said \"", kDigitWords[0], "\" in voice \"",
                                              voice, "\" as silence"));
    }
    for (const char* phrase : kBabblePhrases) {
      absl::StatusOr<std::vector<int16_t>> spoken =
          Speak(voice, {.pitch = kBabblePitch, .words_per_minute = kBabbleWordsPerMinute}, phrase);
      if (!spoken.ok()) {
        return spoken.status();
      }
      babble.push_back(Prepare(*spoken, *rate));
    }
  }
  return std::unique_ptr<EspeakCaptchaAudio>(
      new EspeakCaptchaAudio(*rate, options.voices, std::move(babble), options.babble_talkers));
}

EspeakCaptchaAudio::EspeakCaptchaAudio(int source_rate, std::vector<std::string> voices,
                                       std::vector<Clip> babble, int babble_talkers)
    : source_rate_(source_rate),
      voices_(std::move(voices)),
      babble_(std::move(babble)),
      babble_talkers_(babble_talkers) {}

absl::StatusOr<EspeakCaptchaAudio::Layers> EspeakCaptchaAudio::RenderLayers(
    absl::string_view code, RandomSource& secure_random) const {
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

  // Every word's voice, drawn before taking the engine. The espeak-ng speed
  // and the resampling are drawn apart, so that a word's length and its pitch
  // do not follow one another as they would in one recording played faster.
  struct Word {
    const char* text;
    WordVoice voice;
    Shape shape;
    float gain;
  };
  std::vector<Word> words;
  words.reserve(code.size() + 1);
  auto draw_word = [&](const char* text) {
    WordVoice voice{
        .voice = static_cast<std::size_t>(dice.Int(0, static_cast<int>(voices_.size()) - 1)),
        .pitch = dice.Int(25, 75),
        .pitch_range = dice.Int(30, 90),
        .words_per_minute = dice.Int(135, 185),
        .speed = dice.Real(0.88, 1.14),
    };
    const Shape shape = DrawShape(dice, base_step, voice.speed);
    words.push_back({text, voice, shape, static_cast<float>(dice.Real(0.85, 1.0))});
  };
  draw_word(kPrompt);
  for (char c : code) {
    draw_word(kDigitWords[static_cast<std::size_t>(c - '0')]);
  }

  std::vector<std::vector<int16_t>> spoken;
  spoken.reserve(words.size());
  {
    absl::MutexLock lock(&engine_mutex);
    for (const Word& word : words) {
      absl::StatusOr<std::vector<int16_t>> samples =
          Speak(voices_[word.voice.voice],
                {.pitch = word.voice.pitch,
                 .pitch_range = word.voice.pitch_range,
                 .words_per_minute = word.voice.words_per_minute},
                word.text);
      if (!samples.ok()) {
        return absl::InternalError(samples.status().message());
      }
      spoken.push_back(*std::move(samples));
    }
  }

  // Lay out the prompt and the digits, every pause of its own length, so that
  // the digits cannot be cut at fixed times.
  Layers layers;
  std::vector<std::pair<std::size_t, std::vector<float>>> placed;
  std::size_t cursor = seconds(dice.Real(0.3, 0.6));
  for (std::size_t i = 0; i < words.size(); ++i) {
    std::vector<float> shaped =
        Reshape(Prepare(spoken[i], source_rate_), words[i].shape, kSpeechRms * words[i].gain);
    if (shaped.size() < seconds(0.05)) {
      return absl::InternalError(absl::StrCat("espeak-ng said \"", words[i].text, "\" as silence"));
    }
    if (i > 0) {
      layers.digit_spans.emplace_back(cursor, cursor + shaped.size());
      layers.digit_voices.push_back(words[i].voice);
    }
    const std::size_t length = shaped.size();
    placed.emplace_back(cursor, std::move(shaped));
    cursor += length + (i == 0 ? seconds(dice.Real(0.5, 0.8)) : seconds(dice.Real(0.25, 0.6)));
  }
  const std::size_t total = cursor + seconds(dice.Real(0.2, 0.4));
  layers.speech.assign(total, 0.0F);
  for (const auto& [start, samples] : placed) {
    AddAt(layers.speech, static_cast<std::ptrdiff_t>(start), samples);
  }

  // Babble: talkers each saying phrase after phrase, with short breaths, from
  // before the start to past the end, so that no stretch of the captcha is
  // without someone talking.
  layers.babble.assign(total, 0.0F);
  if (babble_talkers_ == 0 || babble_.empty()) {
    return layers;
  }
  for (int talker = 0; talker < babble_talkers_; ++talker) {
    auto at = -static_cast<std::ptrdiff_t>(seconds(dice.Real(0, 1.5)));
    while (at < static_cast<std::ptrdiff_t>(total)) {
      const Clip& phrase =
          babble_[static_cast<std::size_t>(dice.Int(0, static_cast<int>(babble_.size()) - 1))];
      const std::vector<float> shaped =
          Reshape(phrase, DrawShape(dice, base_step, dice.Real(0.85, 1.2)), kSpeechRms);
      AddAt(layers.babble, at, shaped);
      at += static_cast<std::ptrdiff_t>(shaped.size() + seconds(dice.Real(0.03, 0.12)));
    }
  }
  // Bring the babble to each digit's drawn ratio over that digit's own
  // samples, the gain gliding between digits; the prompt gets the first
  // digit's, the tail the last's.
  std::vector<double> gains;
  for (const auto& [begin, end] : layers.digit_spans) {
    const double ratio = std::pow(10.0, dice.Real(kMinSpeechToBabbleDb, kMaxSpeechToBabbleDb) / 20);
    const double babble_rms = Rms(layers.babble, begin, end);
    gains.push_back(babble_rms > 0 ? Rms(layers.speech, begin, end) / (babble_rms * ratio) : 0);
  }
  std::size_t span = 0;
  for (std::size_t n = 0; n < total; ++n) {
    while (span < gains.size() && n >= layers.digit_spans[span].second) {
      ++span;
    }
    double gain = 0;
    if (span == gains.size()) {
      gain = gains.back();
    } else if (span == 0 || n >= layers.digit_spans[span].first) {
      gain = gains[span];
    } else {
      const std::size_t from = layers.digit_spans[span - 1].second;
      const std::size_t to = layers.digit_spans[span].first;
      const double along = static_cast<double>(n - from) / static_cast<double>(to - from);
      gain = gains[span - 1] + (gains[span] - gains[span - 1]) * along;
    }
    layers.babble[n] *= static_cast<float>(gain);
  }
  return layers;
}

absl::StatusOr<std::string> EspeakCaptchaAudio::RenderWav(absl::string_view code,
                                                          RandomSource& secure_random) const {
  absl::StatusOr<Layers> layers = RenderLayers(code, secure_random);
  if (!layers.ok()) {
    return layers.status();
  }
  DistortionRandom dice(secure_random);
  std::vector<float> mix = std::move(layers->speech);
  for (std::size_t n = 0; n < mix.size(); ++n) {
    mix[n] += layers->babble[n];
  }

  // Hiss, coloured by a one-pole low-pass and swelling slowly; `level` is its
  // RMS before the swell.
  {
    const double smoothing = dice.Real(0.25, 0.7);
    // Uniform white noise in [-1, 1] has variance 1/3; the filter keeps
    // smoothing / (2 - smoothing) of it.
    const double filtered_rms = std::sqrt(smoothing / (3 * (2 - smoothing)));
    const double level = kSpeechRms * dice.Real(0.12, 0.25) / filtered_rms;
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
