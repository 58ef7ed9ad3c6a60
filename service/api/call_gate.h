#pragma once

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>

#include <atomic>
#include <cstddef>
#include <memory>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace moderation::api {

// The caller's deadline, absl::InfiniteFuture() when it set none.
[[nodiscard]] absl::Time CallDeadline(const grpc::CallbackServerContext& context);

// Admission control for the server's unary calls. Every unary call is counted
// from the moment gRPC hands it over until it is done (through the interceptor
// factory below, so no method can be forgotten); handlers ask Admit before
// doing any work. Thread-safe.
class CallGate {
 public:
  // `max_in_flight` bounds the calls counted at once, the one asking included.
  explicit CallGate(std::size_t max_in_flight) : max_in_flight_(max_in_flight) {}

  // For grpc::ServerBuilder::experimental().SetInterceptorCreators. The gate
  // must outlive the server.
  [[nodiscard]] std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
  CountingInterceptorFactory();

  // OK to go ahead; UNAVAILABLE (reason SHUTTING_DOWN) once draining;
  // RESOURCE_EXHAUSTED (reason OVERLOADED, with retry-after) beyond
  // max_in_flight; DEADLINE_EXCEEDED when the caller's deadline has already
  // passed (nobody waits for the answer: the work is not started).
  [[nodiscard]] absl::Status Admit(const grpc::CallbackServerContext& context) const;

  // From now on Admit refuses every call with UNAVAILABLE.
  void StartDraining() { draining_.store(true, std::memory_order_release); }

  // Blocks until no unary call is in flight, or until `deadline`; true when
  // none is. For shutdown only.
  [[nodiscard]] bool WaitUntilIdle(absl::Time deadline) const;

  [[nodiscard]] std::size_t in_flight() const { return in_flight_.load(std::memory_order_acquire); }

  // When the oldest unary call still in flight arrived; absl::InfiniteFuture()
  // when none is. For the stall watchdog.
  [[nodiscard]] absl::Time OldestCallStart() const;

 private:
  class Counter;
  class Factory;
  struct Started {
    Started* previous = nullptr;
    Started* next = nullptr;
    absl::Time at;
  };
  void Enter(Started& call);
  void Leave(Started& call);

  const std::size_t max_in_flight_;
  std::atomic<std::size_t> in_flight_{0};
  std::atomic<bool> draining_{false};
  // The calls in flight in order of arrival (an intrusive list: no
  // allocation per call), so the oldest is the first.
  mutable absl::Mutex calls_mutex_;
  Started* oldest_ ABSL_GUARDED_BY(calls_mutex_) = nullptr;
  Started* newest_ ABSL_GUARDED_BY(calls_mutex_) = nullptr;
};

}  // namespace moderation::api
