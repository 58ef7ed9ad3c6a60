#include "service/captcha/espeak_captcha_audio.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

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

// One engine for the suite: creating it speaks every digit in every voice.
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

TEST(EspeakCaptchaAudioTest, TheSameRandomnessGivesTheSameSound) {
  testing::FakeRandom first_random(3);
  testing::FakeRandom second_random(3);
  EXPECT_EQ(*Audio().RenderWav("2468", first_random), *Audio().RenderWav("2468", second_random));
}

TEST(EspeakCaptchaAudioTest, RefusesAnythingButDigits) {
  testing::FakeRandom random;
  for (const char* code : {"", "12A45", "12 45", "-1", "1234567890123"}) {
    EXPECT_EQ(Audio().RenderWav(code, random).status().code(), absl::StatusCode::kInvalidArgument)
        << code;
  }
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
