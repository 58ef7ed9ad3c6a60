// Captcha generation cost on one thread: images (PNG) and audio (WAV) per
// second, reported as items_per_second. Run by hand, in a Release build:
//   build-release/tests/bench/captcha_bench

#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>
#include <string>

#include "service/captcha/captcha_service.h"
#include "service/captcha/espeak_captcha_audio.h"
#include "service/captcha/freetype_captcha_renderer.h"
#include "tests/support/fake_random.h"

namespace moderation::captcha {
namespace {

// A new code each time, as the service draws them, so that glyph caches see
// the real mix.
std::string NextCode(RandomSource& random, absl::string_view alphabet, int length) {
  std::string code;
  for (int i = 0; i < length; ++i) {
    code.push_back(alphabet[random.Uniform(alphabet.size())]);
  }
  return code;
}

void RunRenderer(benchmark::State& state, const CaptchaRenderer& renderer) {
  testing::FakeRandom random;
  std::size_t bytes = 0;
  for (auto _ : state) {
    absl::StatusOr<std::string> png =
        renderer.RenderPng(NextCode(random, kCaptchaAlphabet, 5), random);
    if (!png.ok()) {
      state.SkipWithError(png.status().ToString().c_str());
      return;
    }
    bytes += png->size();
    benchmark::DoNotOptimize(*png);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["bytes_per_item"] =
      static_cast<double>(bytes) / static_cast<double>(std::max<int64_t>(state.iterations(), 1));
}

void BM_FreeTypeCaptchaPng(benchmark::State& state) {
  static const absl::StatusOr<std::unique_ptr<FreeTypeCaptchaRenderer>> renderer =
      FreeTypeCaptchaRenderer::Create();
  if (!renderer.ok()) {
    state.SkipWithError(renderer.status().ToString().c_str());
    return;
  }
  RunRenderer(state, **renderer);
}
BENCHMARK(BM_FreeTypeCaptchaPng);

// Per WAV: every word synthesised by espeak-ng (under its process-wide
// lock), reshaped, then mixed with the babble and the hiss. The variant
// without babble shows what the babble costs.
void RunAudio(benchmark::State& state, int babble_talkers) {
  EspeakCaptchaAudio::Options options;
  options.babble_talkers = babble_talkers;
  const absl::StatusOr<std::unique_ptr<EspeakCaptchaAudio>> audio =
      EspeakCaptchaAudio::Create(options);
  if (!audio.ok()) {
    state.SkipWithError(audio.status().ToString().c_str());
    return;
  }
  testing::FakeRandom random;
  std::size_t bytes = 0;
  for (auto _ : state) {
    absl::StatusOr<std::string> wav =
        (*audio)->RenderWav(NextCode(random, kAudioCaptchaAlphabet, 6), random);
    if (!wav.ok()) {
      state.SkipWithError(wav.status().ToString().c_str());
      return;
    }
    bytes += wav->size();
    benchmark::DoNotOptimize(*wav);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["bytes_per_item"] =
      static_cast<double>(bytes) / static_cast<double>(std::max<int64_t>(state.iterations(), 1));
}

void BM_EspeakCaptchaWav(benchmark::State& state) {
  RunAudio(state, EspeakCaptchaAudio::Options{}.babble_talkers);
}
BENCHMARK(BM_EspeakCaptchaWav)->Unit(benchmark::kMillisecond);

void BM_EspeakCaptchaWavWithoutBabble(benchmark::State& state) { RunAudio(state, 0); }
BENCHMARK(BM_EspeakCaptchaWavWithoutBabble)->Unit(benchmark::kMillisecond);

// Start-up cost of the audio: the babble phrases recorded in every voice.
void BM_EspeakCaptchaAudioCreate(benchmark::State& state) {
  for (auto _ : state) {
    absl::StatusOr<std::unique_ptr<EspeakCaptchaAudio>> audio = EspeakCaptchaAudio::Create();
    if (!audio.ok()) {
      state.SkipWithError(audio.status().ToString().c_str());
      return;
    }
    benchmark::DoNotOptimize(*audio);
  }
}
BENCHMARK(BM_EspeakCaptchaAudioCreate)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
}  // namespace moderation::captcha

BENCHMARK_MAIN();
