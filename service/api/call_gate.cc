#include "service/api/call_gate.h"

#include "absl/time/clock.h"
#include "service/common/errors.h"

namespace moderation::api {

absl::Time CallDeadline(const grpc::CallbackServerContext& context) {
  const std::chrono::system_clock::time_point deadline = context.deadline();
  if (deadline == std::chrono::system_clock::time_point::max()) {
    return absl::InfiniteFuture();
  }
  return absl::FromChrono(deadline);
}

// Lives exactly as long as its call: gRPC creates one per call and deletes
// it with the call's context, after the reactor is done.
class CallGate::Counter final : public grpc::experimental::Interceptor {
 public:
  explicit Counter(CallGate& gate) : gate_(gate) {
    gate_.in_flight_.fetch_add(1, std::memory_order_acq_rel);
    started_.at = absl::Now();
    gate_.Enter(started_);
  }
  ~Counter() override {
    gate_.Leave(started_);
    gate_.in_flight_.fetch_sub(1, std::memory_order_acq_rel);
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    methods->Proceed();
  }

 private:
  CallGate& gate_;
  Started started_;
};

class CallGate::Factory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit Factory(CallGate& gate) : gate_(gate) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    // Streams (health Watch, reflection) stay open for as long as a client
    // likes: they are neither load nor work to drain.
    if (info->type() != grpc::experimental::ServerRpcInfo::Type::UNARY) {
      return nullptr;
    }
    return new Counter(gate_);
  }

 private:
  CallGate& gate_;
};

void CallGate::Enter(Started& call) {
  absl::MutexLock lock(&calls_mutex_);
  call.previous = newest_;
  call.next = nullptr;
  if (newest_ != nullptr) {
    newest_->next = &call;
  } else {
    oldest_ = &call;
  }
  newest_ = &call;
}

void CallGate::Leave(Started& call) {
  absl::MutexLock lock(&calls_mutex_);
  (call.previous != nullptr ? call.previous->next : oldest_) = call.next;
  (call.next != nullptr ? call.next->previous : newest_) = call.previous;
}

absl::Time CallGate::OldestCallStart() const {
  absl::MutexLock lock(&calls_mutex_);
  return oldest_ != nullptr ? oldest_->at : absl::InfiniteFuture();
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
CallGate::CountingInterceptorFactory() {
  return std::make_unique<Factory>(*this);
}

absl::Status CallGate::Admit(const grpc::CallbackServerContext& context) const {
  if (draining_.load(std::memory_order_acquire)) {
    absl::Status status = ErrorWithReasonCode(absl::StatusCode::kUnavailable, "SHUTTING_DOWN",
                                              "the server is shutting down");
    SetRetryAfter(status, absl::Seconds(1));
    return status;
  }
  if (in_flight_.load(std::memory_order_acquire) > max_in_flight_) {
    absl::Status status = ErrorWithReasonCode(absl::StatusCode::kResourceExhausted, "OVERLOADED",
                                              "too many calls in flight");
    SetRetryAfter(status, absl::Seconds(1));
    return status;
  }
  if (CallDeadline(context) <= absl::Now()) {
    return absl::DeadlineExceededError("the caller's deadline passed before the call started");
  }
  return absl::OkStatus();
}

bool CallGate::WaitUntilIdle(absl::Time deadline) const {
  while (in_flight() != 0) {
    if (absl::Now() >= deadline) {
      return false;
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

}  // namespace moderation::api
