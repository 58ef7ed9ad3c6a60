#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "service/common/clock.h"
#include "service/ratelimit/limit_store.h"
#include "service/ratelimit/over_limit_cache.h"

namespace moderation::ratelimit {

// What to do when the store cannot answer in time.
enum class OnStoreError { kAllow, kRefuse };

// One configured limit, e.g. "submit_ip": `count` events per `period`, at
// most `burst` back to back.
struct LimitRule {
  std::string name;
  int64_t count = 0;  // 0 disables the rule
  absl::Duration period = absl::Minutes(1);
  int64_t burst = 1;
  bool shadow = false;  // evaluate and count, never refuse
  OnStoreError on_store_error = OnStoreError::kAllow;
  // Counts wrong captcha answers rather than accepted submissions: the store
  // records its event only when the answer turns out wrong.
  bool counts_wrong_answers = false;
};

// A rule applied to one subject (already a keyed hash where it is personal).
struct LimitSubject {
  const LimitRule* rule = nullptr;
  std::string subject;
};

// A request's limits, prepared for the store (see RateLimiter::Plan).
struct LimitPlan {
  // Set when the local cache already knows a limit is exceeded: refuse
  // without asking the store.
  absl::Status refused_now;
  std::vector<GcraCheck> checks;  // for the store, in order
  std::vector<bool> shadow;       // per check: counted, never refuses
  std::vector<std::string> rule_names;
  std::vector<bool> counts_wrong_answers;  // per check: its rule's flag
  std::vector<OnStoreError> on_store_error;
  absl::Time planned_at;
};

struct LimiterOptions {
  absl::Duration store_timeout = absl::Milliseconds(50);
  bool shadow = false;  // every rule in shadow mode
};

// Applies limits: consults the local cache of subjects known to be over their
// limit, asks the store about the rest in one round trip, and refuses with
// RESOURCE_EXHAUSTED naming the limit and the wait (reason RATE_LIMITED,
// retry-after attached). A shadow rule that trips is logged and counted but
// never refuses. Thread-safe.
class RateLimiter {
 public:
  RateLimiter(LimitStore& store, const Clock& clock, LimiterOptions options);

  void Check(const std::vector<LimitSubject>& subjects,
             absl::AnyInvocable<void(absl::Status) &&> done);

  // Check in two halves, for callers that send the checks to the store
  // together with other work, in one atomic step that records the events only
  // when no limit refuses (so nothing needs refunding): the plan, then the
  // verdict on the store's results (one per check, in order).
  [[nodiscard]] LimitPlan Plan(const std::vector<LimitSubject>& subjects) const;
  [[nodiscard]] absl::Status Conclude(const LimitPlan& plan,
                                      const std::vector<absl::StatusOr<GcraResult>>& results) const;

  // Trips seen by shadow rules, for metrics and tests.
  [[nodiscard]] int64_t shadow_trips() const;

 private:
  LimitStore& store_;
  const Clock& clock_;
  const LimiterOptions options_;
  std::shared_ptr<OverLimitCache> cache_;
  std::shared_ptr<std::atomic<int64_t>> shadow_trips_;
};

// The error returned when a limit trips: RESOURCE_EXHAUSTED, reason
// RATE_LIMITED, the limit's name and the wait attached. The reader's message
// is api/'s to write, from these (see LimitRefusalOf).
[[nodiscard]] absl::Status RateLimited(absl::string_view limit, absl::Duration retry_after);

// The name of the limit that refused, or "" when `status` is no such refusal.
[[nodiscard]] std::string LimitOf(const absl::Status& status);

// What a reader needs to hear of a limit's refusal.
struct LimitRefusal {
  std::string limit;         // the rule's name, e.g. "submit_ip"
  int64_t wait_seconds = 1;  // whole seconds, at least 1
};
// Set when `status` is a refusal made by RateLimited.
[[nodiscard]] std::optional<LimitRefusal> LimitRefusalOf(const absl::Status& status);

}  // namespace moderation::ratelimit
