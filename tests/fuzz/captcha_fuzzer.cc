// Captcha verification on hostile ids and answers: a real captcha is issued,
// then checked with fuzzed input. Only its own answer may pass, once.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "service/captcha/captcha_renderer.h"
#include "service/captcha/captcha_service.h"
#include "tests/support/fake_clock.h"
#include "tests/support/fake_random.h"
#include "tests/support/in_memory_captcha_store.h"

namespace {

class NoImage final : public moderation::captcha::CaptchaRenderer {
 public:
  absl::StatusOr<std::string> RenderPng(absl::string_view code,
                                        moderation::RandomSource&) const override {
    return std::string(code);
  }
};

absl::Status Verify(moderation::captcha::CaptchaService& service, const std::string& id,
                    const std::string& answer) {
  absl::Status result = absl::UnknownError("no answer");
  service.Verify(id, answer, [&](absl::Status status) { result = std::move(status); });
  return result;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  const std::pair<absl::string_view, absl::string_view> parts =
      absl::StrSplit(input, absl::MaxSplits('\0', 1));
  moderation::testing::FakeClock clock;
  moderation::testing::FakeRandom random;
  moderation::testing::InMemoryCaptchaStore store(clock);
  NoImage renderer;
  moderation::captcha::CaptchaService service(store, renderer, nullptr, clock, random, "key",
                                              moderation::captcha::CaptchaOptions{});
  absl::StatusOr<moderation::captcha::IssuedCaptcha> issued;
  service.Create(false, [&](absl::StatusOr<moderation::captcha::IssuedCaptcha> created) {
    issued = std::move(created);
  });
  if (!issued.ok()) {
    __builtin_trap();
  }
  const std::string fuzzed_id(parts.first);
  const std::string fuzzed_answer(parts.second);
  // A fuzzed id never passes unless it is the issued one with its answer.
  const absl::Status by_id = Verify(service, fuzzed_id, fuzzed_answer);
  const bool answer_right = absl::AsciiStrToUpper(fuzzed_answer) == issued->answer;
  const bool right = fuzzed_id == issued->captcha_id && answer_right;
  if (by_id.ok() && !right) {
    __builtin_trap();
  }
  // The real id with a fuzzed answer: passes only with the right answer.
  if (!by_id.ok() || fuzzed_id != issued->captcha_id) {
    const absl::Status by_answer = Verify(service, issued->captcha_id, fuzzed_answer);
    if (by_answer.ok() != (answer_right && fuzzed_id != issued->captcha_id)) {
      __builtin_trap();
    }
  }
  return 0;
}
