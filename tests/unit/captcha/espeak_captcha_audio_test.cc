#include "service/captcha/espeak_captcha_audio.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <tuple>

#include "tests/support/fake_random.h"

namespace moderation::captcha {
namespace {

uint32_t LittleEndian(const std::string& bytes, std::size_t offset, std::size_t size) {
  uint32_t value = 0;
  for (std::size_t i = 0; i < size; ++i) {
    value |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[offset + i])) << (8 * i);
  }
  return value;
}

double Rms(const std::vector<float>& samples, std::size_t begin, std::size_t end) {
  double energy = 0;
  for (std::size_t n = begin; n < end; ++n) {
    energy += static_cast<double>(samples[n]) * samples[n];
  }
  return std::sqrt(energy / static_cast<double>(end - begin));
}

// One engine for the suite: creating it records the babble in every voice.
const EspeakCaptchaAudio& Audio() {
  static const absl::StatusOr<std::unique_ptr<EspeakCaptchaAudio>> audio =
      EspeakCaptchaAudio::Create();
  EXPECT_TRUE(audio.ok()) << audio.status();
  return **audio;
}

TEST(EspeakCaptchaAudioTest, WritesAPcmMonoSixteenBitWav) {
  testing::FakeRandom random;
  absl::StatusOr<std::string> wav = Audio().RenderWav("40719", random);
  ASSERT_TRUE(wav.ok()) << wav.status();
  ASSERT_GT(wav->size(), 44u);
  EXPECT_EQ(wav->substr(0, 4), "RIFF");
  EXPECT_EQ(LittleEndian(*wav, 4, 4), wav->size() - 8);
  EXPECT_EQ(wav->substr(8, 4), "WAVE");
  EXPECT_EQ(wav->substr(12, 4), "fmt ");
  EXPECT_EQ(LittleEndian(*wav, 16, 4), 16u);  // plain PCM fmt chunk
  EXPECT_EQ(LittleEndian(*wav, 20, 2), 1u);   // PCM
  EXPECT_EQ(LittleEndian(*wav, 22, 2), 1u);   // mono
  const uint32_t rate = LittleEndian(*wav, 24, 4);
  EXPECT_EQ(rate, static_cast<uint32_t>(EspeakCaptchaAudio::kSampleRate));
  EXPECT_EQ(LittleEndian(*wav, 28, 4), rate * 2);  // bytes per second
  EXPECT_EQ(LittleEndian(*wav, 32, 2), 2u);        // bytes per frame
  EXPECT_EQ(LittleEndian(*wav, 34, 2), 16u);       // bits per sample
  EXPECT_EQ(wav->substr(36, 4), "data");
  const uint32_t data_bytes = LittleEndian(*wav, 40, 4);
  EXPECT_EQ(data_bytes, wav->size() - 44);
  EXPECT_EQ(data_bytes % 2, 0u);

  const double seconds = static_cast<double>(data_bytes) / 2 / rate;
  EXPECT_GT(seconds, 1.0);
  EXPECT_LT(seconds, 15.0);

  // Loud enough to hear, and not clipped flat.
  int peak = 0;
  for (std::size_t offset = 44; offset + 1 < wav->size(); offset += 2) {
    const auto sample = static_cast<int16_t>(LittleEndian(*wav, offset, 2));
    peak = std::max(peak, std::abs(static_cast<int>(sample)));
  }
  EXPECT_GT(peak, 16000);
  EXPECT_LT(peak, 32767);
}

TEST(EspeakCaptchaAudioTest, MoreDigitsTakeLonger) {
  testing::FakeRandom random;
  absl::StatusOr<std::string> short_code = Audio().RenderWav("12", random);
  absl::StatusOr<std::string> long_code = Audio().RenderWav("1234567890", random);
  ASSERT_TRUE(short_code.ok()) << short_code.status();
  ASSERT_TRUE(long_code.ok()) << long_code.status();
  EXPECT_GT(long_code->size(), short_code->size());
}

TEST(EspeakCaptchaAudioTest, TheSameCodeSoundsDifferentEachTime) {
  testing::FakeRandom random;
  absl::StatusOr<std::string> first = Audio().RenderWav("55555", random);
  absl::StatusOr<std::string> second = Audio().RenderWav("55555", random);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_NE(*first, *second);
}

// espeak-ng keeps state between calls, so its samples may differ a little;
// what the randomness decides must not.
TEST(EspeakCaptchaAudioTest, TheSameRandomnessGivesTheSameVoicesAndTiming) {
  testing::FakeRandom first_random(3);
  testing::FakeRandom second_random(3);
  absl::StatusOr<EspeakCaptchaAudio::Layers> first = Audio().RenderLayers("2468", first_random);
  absl::StatusOr<EspeakCaptchaAudio::Layers> second = Audio().RenderLayers("2468", second_random);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  // Within 20 ms: espeak-ng's trimmed words may differ by a few samples.
  ASSERT_EQ(first->digit_spans.size(), second->digit_spans.size());
  for (std::size_t i = 0; i < first->digit_spans.size(); ++i) {
    EXPECT_NEAR(static_cast<double>(first->digit_spans[i].first),
                static_cast<double>(second->digit_spans[i].first), 320);
    EXPECT_NEAR(static_cast<double>(first->digit_spans[i].second),
                static_cast<double>(second->digit_spans[i].second), 320);
  }
  ASSERT_EQ(first->digit_voices.size(), second->digit_voices.size());
  for (std::size_t i = 0; i < first->digit_voices.size(); ++i) {
    EXPECT_EQ(first->digit_voices[i].voice, second->digit_voices[i].voice);
    EXPECT_EQ(first->digit_voices[i].pitch, second->digit_voices[i].pitch);
    EXPECT_EQ(first->digit_voices[i].speed, second->digit_voices[i].speed);
  }
}

TEST(EspeakCaptchaAudioTest, RefusesAnythingButDigits) {
  testing::FakeRandom random;
  for (const char* code : {"", "12A45", "12 45", "-1", "1234567890123"}) {
    EXPECT_EQ(Audio().RenderWav(code, random).status().code(), absl::StatusCode::kInvalidArgument)
        << code;
  }
}

// A bank of recordings made once (the old design: 12 per digit) is what a
// template attacker copies; every word is now spoken with its own voice
// parameters, so the same digit practically never sounds twice alike.
TEST(EspeakCaptchaAudioTest, NoFixedBankOfRecordingsCoversADigit) {
  testing::FakeRandom random;
  std::set<std::tuple<std::size_t, int, int, int>> spoken;
  std::set<double> speeds;
  constexpr int kRenders = 40;
  for (int i = 0; i < kRenders; ++i) {
    absl::StatusOr<EspeakCaptchaAudio::Layers> layers = Audio().RenderLayers("5", random);
    ASSERT_TRUE(layers.ok()) << layers.status();
    ASSERT_EQ(layers->digit_voices.size(), 1u);
    const EspeakCaptchaAudio::WordVoice& voice = layers->digit_voices[0];
    spoken.emplace(voice.voice, voice.pitch, voice.pitch_range, voice.words_per_minute);
    speeds.insert(voice.speed);
  }
  EXPECT_GE(spoken.size(), 36u);
  EXPECT_EQ(speeds.size(), static_cast<std::size_t>(kRenders));
}

TEST(EspeakCaptchaAudioTest, BabbleRunsUnderEveryDigitAtTheChosenRatio) {
  testing::FakeRandom random;
  for (int i = 0; i < 5; ++i) {
    absl::StatusOr<EspeakCaptchaAudio::Layers> layers = Audio().RenderLayers("4071953", random);
    ASSERT_TRUE(layers.ok()) << layers.status();
    ASSERT_EQ(layers->speech.size(), layers->babble.size());
    ASSERT_EQ(layers->digit_spans.size(), 7u);
    for (const auto& [begin, end] : layers->digit_spans) {
      ASSERT_LT(begin, end);
      ASSERT_LE(end, layers->speech.size());
      const double babble = Rms(layers->babble, begin, end);
      ASSERT_GT(babble, 0);
      const double ratio_db = 20 * std::log10(Rms(layers->speech, begin, end) / babble);
      EXPECT_GE(ratio_db, EspeakCaptchaAudio::kMinSpeechToBabbleDb - 0.01);
      EXPECT_LE(ratio_db, EspeakCaptchaAudio::kMaxSpeechToBabbleDb + 0.01);
    }
    // Between the digits someone is talking too: silence would mark where
    // the digits are.
    for (std::size_t k = 0; k + 1 < layers->digit_spans.size(); ++k) {
      const std::size_t gap_begin = layers->digit_spans[k].second;
      const std::size_t gap_end = layers->digit_spans[k + 1].first;
      ASSERT_LT(gap_begin, gap_end);
      EXPECT_GT(Rms(layers->babble, gap_begin, gap_end), 0);
      EXPECT_EQ(Rms(layers->speech, gap_begin, gap_end), 0);
    }
  }
}

TEST(EspeakCaptchaAudioTest, DigitsKeepAListenableLength) {
  testing::FakeRandom random;
  for (int i = 0; i < 10; ++i) {
    absl::StatusOr<EspeakCaptchaAudio::Layers> layers = Audio().RenderLayers("0123456789", random);
    ASSERT_TRUE(layers.ok()) << layers.status();
    for (const auto& [begin, end] : layers->digit_spans) {
      const double seconds = static_cast<double>(end - begin) / EspeakCaptchaAudio::kSampleRate;
      EXPECT_GE(seconds, 0.15);
      EXPECT_LE(seconds, 0.9);
    }
  }
  absl::StatusOr<std::string> longest = Audio().RenderWav("012345678901", random);
  ASSERT_TRUE(longest.ok()) << longest.status();
  EXPECT_LT(static_cast<double>(longest->size() - 44) / 2 / EspeakCaptchaAudio::kSampleRate, 20.0);
}

TEST(EspeakCaptchaAudioTest, TooManyTalkersIsAnError) {
  EspeakCaptchaAudio::Options options;
  options.babble_talkers = 9;
  EXPECT_EQ(EspeakCaptchaAudio::Create(options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(EspeakCaptchaAudioTest, AnUnknownVoiceIsAClearError) {
  EspeakCaptchaAudio::Options options;
  options.voices = {"no-such-voice"};
  absl::StatusOr<std::unique_ptr<EspeakCaptchaAudio>> audio = EspeakCaptchaAudio::Create(options);
  ASSERT_EQ(audio.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(audio.status().message().find("no-such-voice"), std::string::npos) << audio.status();
}

TEST(EspeakCaptchaAudioTest, NoVoiceIsAnError) {
  EspeakCaptchaAudio::Options options;
  options.voices.clear();
  EXPECT_EQ(EspeakCaptchaAudio::Create(options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace moderation::captcha
