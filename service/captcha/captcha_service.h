#pragma once

#include <optional>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "service/captcha/captcha_audio.h"
#include "service/captcha/captcha_renderer.h"
#include "service/captcha/captcha_store.h"
#include "service/common/clock.h"
#include "service/common/random.h"
#include "service/pow/altcha.h"

namespace moderation::captcha {

// Codes use an alphabet without look-alikes (no 0/O, 1/I/L, 5/S, 2/Z, 8/B).
inline constexpr absl::string_view kCaptchaAlphabet = "ACDEFGHJKMNPRTUVWXY34679";

struct CaptchaOptions {
  absl::Duration ttl = absl::Minutes(5);
  int length = 5;
};

struct IssuedCaptcha {
  std::string captcha_id;
  std::string png;
  std::string wav;  // when audio was asked for
  absl::Time expire_time;
  // The image's code and, with audio, the spoken one: either is accepted. For
  // development reveal mode only; only their keyed hashes are stored.
  std::string answer;
  std::string audio_answer;
  // The proof of work asked with it, when the deployment asks for one.
  std::optional<pow::AltchaChallenge> altcha;
};

// Issues captchas and checks answers. The store keeps only a keyed hash
// (HMAC-SHA-256) of each answer, bound to its id; an id carries its expiry so
// that a missing captcha can be told apart as expired or unknown.
// Thread-safe; callbacks may run on the store's thread.
// One attempt at a captcha, prepared for the store: what it holds for the id
// must equal `answer_digest`.
struct CaptchaAttempt {
  std::string captcha_id;
  std::string answer_digest;
  absl::Time expire_time;
};

class CaptchaService {
 public:
  // `audio` may be null: audio captchas are then refused (UNSUPPORTED).
  CaptchaService(CaptchaStore& store, const CaptchaRenderer& renderer, const CaptchaAudio* audio,
                 const Clock& clock, RandomSource& random, std::string answer_key,
                 CaptchaOptions options);

  // A new captcha, stored before `done` runs. UNAVAILABLE when the store is
  // unreachable; INTERNAL if the image cannot be drawn.
  // With `audio`, a second code, of digits, is spoken (IssuedCaptcha::wav) and
  // accepted too; the image keeps its own code, so asking for audio does not
  // make the image any easier. (Spoken letters are too easily confused for an
  // audio code, see captcha_audio.h; the image's code cannot be spoken.)
  void Create(bool audio, absl::AnyInvocable<void(absl::StatusOr<IssuedCaptcha>) &&> done);

  // Create in two steps, for callers that overlap the drawing (CPU, on the
  // calling thread) with other work: Draw, then Save.
  [[nodiscard]] absl::StatusOr<IssuedCaptcha> Draw(bool audio);

  // Uses up `captcha_id` whatever its state, as an attempt would; for
  // "get a new code". UNAVAILABLE when the store is unreachable.
  void Discard(const std::string& captcha_id, absl::AnyInvocable<void(absl::Status) &&> done);
  void Save(IssuedCaptcha issued, absl::AnyInvocable<void(absl::StatusOr<IssuedCaptcha>) &&> done);

  // Uses up the captcha and checks the answer (case-insensitive, constant
  // time) against the image's code and, for an audio captcha, the spoken one. OK when right;
  // otherwise INVALID_ARGUMENT with a violation on `captcha_answer` (CAPTCHA_WRONG) or `captcha_id`
  // (CAPTCHA_EXPIRED, CAPTCHA_UNKNOWN, CAPTCHA_ALREADY_USED); UNAVAILABLE when the store is down.
  void Verify(const std::string& captcha_id, const std::string& answer,
              absl::AnyInvocable<void(absl::Status) &&> done);

  // Verify in two halves, for callers that send the captcha's use to the store
  // together with other work (the submission's one round trip): the attempt,
  // or at once the error for an id that is malformed or already expired; then
  // the verdict on what the store's Take answered.
  [[nodiscard]] absl::StatusOr<CaptchaAttempt> PrepareAttempt(const std::string& captcha_id,
                                                              const std::string& answer) const;
  [[nodiscard]] absl::Status Judge(const CaptchaAttempt& attempt, const TakeResult& taken) const;
  // Whether `attempt_digest` is one of the answers in a stored value (one
  // digest, or two side by side for an audio captcha). Every digest is
  // compared, in constant time, so the time does not tell which matched. The
  // submission script applies the same rule (captcha_matches, in
  // redis_captcha_store.cc).
  [[nodiscard]] static bool AnswerMatches(absl::string_view attempt_digest,
                                          absl::string_view stored);

  // When a captcha was issued, read from its id (which a successful Verify
  // has shown to be ours): never later than the real time, at most a second
  // earlier. nullopt for a malformed id.
  [[nodiscard]] std::optional<absl::Time> IssueTime(absl::string_view captcha_id) const;

 private:
  [[nodiscard]] std::string Digest(absl::string_view captcha_id, absl::string_view answer) const;

  CaptchaStore& store_;
  const CaptchaRenderer& renderer_;
  const CaptchaAudio* audio_;
  const Clock& clock_;
  RandomSource& random_;
  const std::string answer_key_;
  const CaptchaOptions options_;
};

}  // namespace moderation::captcha
