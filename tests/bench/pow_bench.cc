// What the proof of work costs the server, in CPU time per challenge on one
// thread (google-benchmark's CPU column): issuing one (Altcha::Create: for a
// key-derivation algorithm, one derivation at the default settings) and
// checking one payload (Altcha::Verify: a few hashes, never a derivation).
// Run by hand, in a Release build: build-release/tests/bench/pow_bench
// (tests/load/pow_bench.sh runs it beside the client's solve times).

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "service/pow/altcha.h"
#include "tests/support/fake_clock.h"
#include "tests/support/fake_random.h"

namespace moderation::pow {
namespace {

constexpr char kKey[] = "benchmark-key-benchmark-key-0123";

// The defaults of the settings (service/config/config.h).
AltchaOptions Defaults(PowAlgorithm algorithm) {
  AltchaOptions options;
  options.algorithm = algorithm;
  return options;
}

// Base counter ranges (pow.maxnumber, pow.*_counter_range defaults).
int64_t BaseRange(PowAlgorithm algorithm) {
  switch (algorithm) {
    case PowAlgorithm::kPbkdf2:
      return 5000;
    case PowAlgorithm::kScrypt:
      return 180;
    case PowAlgorithm::kSha256:
      break;
  }
  return 20000;
}

void BM_Issue(benchmark::State& state, PowAlgorithm algorithm) {
  testing::FakeClock clock;
  testing::FakeRandom random;
  Altcha altcha(kKey, clock, random, Defaults(algorithm));
  for (auto _ : state) {
    AltchaChallenge challenge = altcha.Create(BaseRange(algorithm));
    benchmark::DoNotOptimize(challenge);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Verify(benchmark::State& state, PowAlgorithm algorithm) {
  testing::FakeClock clock;
  testing::FakeRandom random;
  Altcha altcha(kKey, clock, random, Defaults(algorithm));
  // Payloads solved ahead (the development payload is the solution).
  std::vector<std::string> payloads;
  for (int i = 0; i < 64; ++i) {
    const AltchaChallenge challenge = altcha.Create(BaseRange(algorithm));
    payloads.push_back(EncodeAltchaPayload(challenge, challenge.number, 800));
  }
  std::size_t next = 0;
  for (auto _ : state) {
    absl::StatusOr<AltchaSolution> solution = altcha.Verify(payloads[next++ % payloads.size()]);
    if (!solution.ok()) {
      state.SkipWithError(solution.status().ToString().c_str());
      return;
    }
    benchmark::DoNotOptimize(solution);
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK_CAPTURE(BM_Issue, sha256, PowAlgorithm::kSha256)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Issue, pbkdf2, PowAlgorithm::kPbkdf2)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Issue, scrypt, PowAlgorithm::kScrypt)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Verify, sha256, PowAlgorithm::kSha256)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Verify, pbkdf2, PowAlgorithm::kPbkdf2)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Verify, scrypt, PowAlgorithm::kScrypt)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace moderation::pow

BENCHMARK_MAIN();
