#include "service/ratelimit/rate_limiter.h"

#include <atomic>
#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "service/common/errors.h"
#include "service/common/log.h"

namespace moderation::ratelimit {
namespace {

log::Sampler& TripLog() {
  static auto* sampler = new log::Sampler(10);
  return *sampler;
}

// Names the limit that refused, for metrics, logs and the reader's message.
constexpr absl::string_view kLimitPayload = "moderation/limit";
// The wait in whole seconds, as the reader is told it.
constexpr absl::string_view kWaitSecondsPayload = "moderation/limit-wait-seconds";

std::string CacheKey(const LimitSubject& subject) {
  return absl::StrCat(subject.rule->name, ":", subject.subject);
}

}  // namespace

absl::Status RateLimited(absl::string_view limit, absl::Duration retry_after) {
  const int64_t seconds =
      std::max<int64_t>(1, static_cast<int64_t>(std::ceil(absl::ToDoubleSeconds(retry_after))));
  absl::Status status = ErrorWithReasonCode(
      absl::StatusCode::kResourceExhausted, "RATE_LIMITED",
      absl::StrCat("rate limit ", limit, " exceeded; retry after ", seconds, "s"));
  status.SetPayload(kLimitPayload, absl::Cord(limit));
  status.SetPayload(kWaitSecondsPayload, absl::Cord(absl::StrCat(seconds)));
  SetRetryAfter(status, retry_after);
  return status;
}

std::string LimitOf(const absl::Status& status) {
  absl::optional<absl::Cord> limit = status.GetPayload(kLimitPayload);
  return limit ? std::string(*limit) : std::string();
}

std::optional<LimitRefusal> LimitRefusalOf(const absl::Status& status) {
  absl::optional<absl::Cord> limit = status.GetPayload(kLimitPayload);
  absl::optional<absl::Cord> wait = status.GetPayload(kWaitSecondsPayload);
  LimitRefusal refusal;
  if (!limit || !wait || !absl::SimpleAtoi(std::string(*wait), &refusal.wait_seconds)) {
    return std::nullopt;
  }
  refusal.limit = std::string(*limit);
  return refusal;
}

RateLimiter::RateLimiter(LimitStore& store, const Clock& clock, LimiterOptions options)
    : store_(store),
      clock_(clock),
      options_(options),
      cache_(std::make_shared<OverLimitCache>()),
      shadow_trips_(std::make_shared<std::atomic<int64_t>>(0)) {}

int64_t RateLimiter::shadow_trips() const { return shadow_trips_->load(); }

LimitPlan RateLimiter::Plan(const std::vector<LimitSubject>& subjects) const {
  LimitPlan plan;
  plan.planned_at = clock_.Now();
  for (const LimitSubject& subject : subjects) {
    const LimitRule& rule = *subject.rule;
    if (rule.count <= 0) {
      continue;
    }
    const bool shadow = rule.shadow || options_.shadow;
    std::string key = CacheKey(subject);
    if (!shadow) {
      if (const absl::Duration remaining = cache_->RemainingFor(key, plan.planned_at);
          remaining > absl::ZeroDuration()) {
        // Known to be over: no round trip until its window frees.
        plan.refused_now = RateLimited(rule.name, remaining);
        plan.checks.clear();
        return plan;
      }
    }
    plan.checks.push_back(GcraCheck{.key = std::move(key),
                                    .emission_interval = rule.period / rule.count,
                                    .burst = std::max<int64_t>(1, rule.burst)});
    plan.shadow.push_back(shadow);
    plan.rule_names.push_back(rule.name);
    plan.counts_wrong_answers.push_back(rule.counts_wrong_answers);
    plan.on_store_error.push_back(rule.on_store_error);
  }
  return plan;
}

absl::Status RateLimiter::Conclude(const LimitPlan& plan,
                                   const std::vector<absl::StatusOr<GcraResult>>& results) const {
  absl::Status verdict;
  absl::Duration longest_wait;
  for (std::size_t i = 0; i < results.size() && i < plan.checks.size(); ++i) {
    const std::string& rule = plan.rule_names[i];
    const bool shadow = plan.shadow[i];
    if (!results[i].ok()) {
      if (TripLog().Allow()) {
        log::Warning("rate limit not checked",
                     {{"limit", rule}, {"error", results[i].status().message()}});
      }
      if (plan.on_store_error[i] == OnStoreError::kRefuse && !shadow && verdict.ok()) {
        verdict = results[i].status();
      }
      continue;
    }
    if (results[i]->allowed) {
      continue;
    }
    if (shadow) {
      shadow_trips_->fetch_add(1);
      if (TripLog().Allow()) {
        log::Info("rate limit tripped in shadow mode", {{"limit", rule}});
      }
      continue;
    }
    cache_->Remember(plan.checks[i].key, plan.planned_at + results[i]->retry_after,
                     plan.planned_at);
    if (results[i]->retry_after > longest_wait) {
      longest_wait = results[i]->retry_after;
      verdict = RateLimited(rule, results[i]->retry_after);
    }
  }
  return verdict;
}

void RateLimiter::Check(const std::vector<LimitSubject>& subjects,
                        absl::AnyInvocable<void(absl::Status) &&> done) {
  auto plan = std::make_shared<LimitPlan>(Plan(subjects));
  if (!plan->refused_now.ok() || plan->checks.empty()) {
    std::move(done)(plan->refused_now);
    return;
  }
  store_.CheckAll(plan->checks, options_.store_timeout,
                  [this, plan, done = std::move(done)](
                      std::vector<absl::StatusOr<GcraResult>> results) mutable {
                    absl::Status verdict = Conclude(*plan, results);
                    if (verdict.code() == absl::StatusCode::kResourceExhausted) {
                      // The request is refused: give back what the other limits took.
                      std::vector<GcraCheck> refunds;
                      for (std::size_t i = 0; i < results.size() && i < plan->checks.size(); ++i) {
                        if (results[i].ok() && results[i]->allowed) {
                          refunds.push_back(plan->checks[i]);
                        }
                      }
                      if (!refunds.empty()) {
                        store_.Refund(std::move(refunds));
                      }
                    }
                    std::move(done)(std::move(verdict));
                  });
}

}  // namespace moderation::ratelimit
