#include "service/submission/captcha_issuance.h"

#include <atomic>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "service/validation/ip.h"

namespace moderation::submission {

CaptchaIssuance::CaptchaIssuance(captcha::CaptchaService& captchas, ratelimit::RateLimiter* limiter,
                                 const crypto::ServiceKeys& keys, IssuanceOptions options,
                                 pow::Altcha* altcha, pow::CostLedger* ledger)
    : captchas_(captchas),
      limiter_(limiter),
      keys_(keys),
      pseudonymiser_(keys.lookup_key),
      options_(std::move(options)),
      altcha_(altcha),
      ledger_(ledger) {}

void CaptchaIssuance::Refresh(
    const std::string& old_captcha_id, const std::string& client_ip, bool audio,
    absl::AnyInvocable<void(absl::StatusOr<captcha::IssuedCaptcha>) &&> done) {
  // The old code is used up in the same write as the new one's checks, and the
  // new one is drawn here, not on the storage thread. It is issued even if the
  // old was unknown or expired: the link must always give a code.
  struct Pending {
    std::atomic<int> awaiting{2};
    absl::Mutex mutex;
    absl::Status discarded ABSL_GUARDED_BY(mutex);
    absl::StatusOr<captcha::IssuedCaptcha> issued ABSL_GUARDED_BY(mutex) =
        absl::UnknownError("not issued");
    absl::AnyInvocable<void(absl::StatusOr<captcha::IssuedCaptcha>) &&> done;

    void Finish() {
      if (awaiting.fetch_sub(1) != 1) {
        return;
      }
      absl::Status old_status;
      absl::StatusOr<captcha::IssuedCaptcha> result = absl::UnknownError("");
      {
        absl::MutexLock lock(&mutex);
        old_status = discarded;
        result = std::move(issued);
      }
      if (!old_status.ok() && result.ok()) {
        result = old_status;
      }
      std::move(done)(std::move(result));
    }
  };
  auto pending = std::make_shared<Pending>();
  pending->done = std::move(done);
  captchas_.Discard(old_captcha_id, [pending](absl::Status discarded) {
    {
      absl::MutexLock lock(&pending->mutex);
      pending->discarded = std::move(discarded);
    }
    pending->Finish();
  });
  Create(client_ip, audio, [pending](absl::StatusOr<captcha::IssuedCaptcha> issued) {
    {
      absl::MutexLock lock(&pending->mutex);
      pending->issued = std::move(issued);
    }
    pending->Finish();
  });
}

void CaptchaIssuance::Create(
    const std::string& client_ip, bool audio,
    absl::AnyInvocable<void(absl::StatusOr<captcha::IssuedCaptcha>) &&> done) {
  // The address's keyed hash, made once for the limits and the price.
  const bool needs_digest = limiter_ != nullptr || (altcha_ != nullptr && ledger_ != nullptr);
  const std::string address_digest =
      client_ip.empty() || !needs_digest ? std::string() : pseudonymiser_.AddressDigest(client_ip);
  if (altcha_ != nullptr) {
    // Priced by the source's recent refusals, read once the captcha is saved
    // (a lookup that fails charges the base price). Making it is two hashes:
    // cheap enough for whichever thread finishes the issuance.
    std::vector<std::string> sources;
    if (ledger_ != nullptr && !client_ip.empty()) {
      if (const std::optional<validation::ClientAddress> address =
              validation::ParseClientAddress(client_ip)) {
        sources = pow::CostSources(pseudonymiser_, address_digest, address->network, "");
      }
    }
    done = [this, sources = std::move(sources),
            done = std::move(done)](absl::StatusOr<captcha::IssuedCaptcha> issued) mutable {
      if (!issued.ok() || sources.empty()) {
        if (issued.ok()) {
          Price(*issued, 0);
        }
        std::move(done)(std::move(issued));
        return;
      }
      ledger_->Score(std::move(sources),
                     [this, issued = *std::move(issued),
                      done = std::move(done)](absl::StatusOr<double> score) mutable {
                       Price(issued, score.ok() ? *score : 0);
                       std::move(done)(std::move(issued));
                     });
    };
  }
  if (limiter_ == nullptr || (!client_ip.empty() && options_.allow_list.Contains(client_ip))) {
    captchas_.Create(audio, std::move(done));
    return;
  }
  // The limit check travels to Redis while this thread draws the image; the
  // later of the two saves the captcha. Drawing never happens on the storage
  // thread, and a refusal known locally costs no drawing at all.
  struct Pending {
    absl::Mutex mutex;
    absl::Status limits ABSL_GUARDED_BY(mutex);
    std::atomic<int> awaiting{2};
    absl::StatusOr<captcha::IssuedCaptcha> drawn = absl::UnknownError("not drawn");
    absl::AnyInvocable<void(absl::StatusOr<captcha::IssuedCaptcha>) &&> done;
  };
  auto pending = std::make_shared<Pending>();
  pending->done = std::move(done);
  auto finish = [this, pending] {
    if (pending->awaiting.fetch_sub(1) != 1) {
      return;
    }
    absl::Status limits;
    {
      absl::MutexLock lock(&pending->mutex);
      limits = pending->limits;
    }
    if (!limits.ok()) {
      std::move(pending->done)(std::move(limits));
      return;
    }
    if (!pending->drawn.ok()) {
      std::move(pending->done)(pending->drawn.status());
      return;
    }
    captchas_.Save(*std::move(pending->drawn), std::move(pending->done));
  };
  limiter_->Check(
      ratelimit::CaptchaSubjects(options_.rate_limits, pseudonymiser_, client_ip, address_digest),
      [pending, finish](absl::Status checked) mutable {
        {
          absl::MutexLock lock(&pending->mutex);
          pending->limits = std::move(checked);
        }
        finish();
      });
  bool refused = false;
  {
    absl::MutexLock lock(&pending->mutex);
    refused = !pending->limits.ok();
  }
  if (!refused) {
    pending->drawn = captchas_.Draw(audio);
  }
  finish();
}

void CaptchaIssuance::Price(captcha::IssuedCaptcha& issued, double score) {
  const int64_t maxnumber = pow::MaxNumberFor(score, options_.cost);
  issued.altcha = altcha_->Create(maxnumber, score);
  if (options_.observer.issued) {
    options_.observer.issued(maxnumber, score);
  }
}

}  // namespace moderation::submission
