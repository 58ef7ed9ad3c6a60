#include "service/storage/redis/redis_client.h"

#include <event2/event.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <memory>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "service/common/deadline.h"
#include "service/common/errors.h"
#include "service/common/log.h"
#include "service/crypto/crypto.h"

namespace moderation::redis {
namespace {

// Error replies that mean "not now" rather than "wrong command": Redis is
// loading its data, busy with a script, a replica, or out of memory under
// noeviction. Callers may retry them, so they are UNAVAILABLE.
bool IsTransientError(absl::string_view error) {
  for (absl::string_view prefix : {"LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "READONLY", "OOM",
                                   "CLUSTERDOWN", "NOREPLICAS"}) {
    if (absl::StartsWith(error, prefix)) {
      return true;
    }
  }
  return false;
}

constexpr absl::string_view kConnectionLost = "connection lost before the reply";

// The one place where hiredis replies become our values and statuses.
absl::StatusOr<RedisValue> ConvertReply(const redisReply* reply) {
  if (reply == nullptr) {
    return StorageUnavailable(kConnectionLost);
  }
  RedisValue value;
  switch (reply->type) {
    case REDIS_REPLY_ERROR: {
      const absl::string_view error(reply->str, reply->len);
      if (IsTransientError(error)) {
        return StorageUnavailable(error);
      }
      return absl::InternalError(absl::StrCat("redis error: ", error));
    }
    case REDIS_REPLY_NIL:
      return value;
    case REDIS_REPLY_INTEGER:
      value.type = RedisValue::Type::kInteger;
      value.integer = reply->integer;
      return value;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
      value.type =
          reply->type == REDIS_REPLY_STRING ? RedisValue::Type::kString : RedisValue::Type::kStatus;
      value.string.assign(reply->str, reply->len);
      return value;
    case REDIS_REPLY_ARRAY:
      value.type = RedisValue::Type::kArray;
      value.elements.reserve(reply->elements);
      for (std::size_t i = 0; i < reply->elements; ++i) {
        absl::StatusOr<RedisValue> element = ConvertReply(reply->element[i]);
        if (!element.ok()) {
          return element.status();
        }
        value.elements.push_back(*std::move(element));
      }
      return value;
    default:
      return absl::InternalError(absl::StrCat("unexpected redis reply type ", reply->type));
  }
}

struct QueuedCommand {
  Command command;
  ReplyCallback done;
  absl::Duration timeout = absl::InfiniteDuration();  // the caller's, if any
  absl::Time call_deadline = absl::InfiniteFuture();  // the caller's call's, if any
  bool replicated = false;                            // acknowledged only after WAIT
};

struct InFlight {
  ReplyCallback done;
  absl::Time sent;
  absl::Time deadline;                            // past it, the connection is considered stuck
  absl::Time answer_by = absl::InfiniteFuture();  // past it, the caller gets an error
  bool answer_by_is_call_deadline = false;        // and that error is DEADLINE_EXCEEDED
  absl::Time call_deadline = absl::InfiniteFuture();
  bool answered = false;
};

// Replies to kReplicated writes sent in one batch, held until the WAIT sent
// after them says how many replicas have them.
struct ReplicaWait {
  struct Held {
    ReplyCallback done;
    absl::StatusOr<RedisValue> result;
    absl::Time call_deadline;
  };
  std::vector<Held> held;
};

absl::Status DeadlinePassed() {
  return absl::DeadlineExceededError("the call's deadline passed before redis answered");
}

// "host:port" of an endpoint, for logs (never anything personal).
std::string AddressOf(const RedisEndpoint& endpoint) {
  return endpoint.unix_path.empty() ? absl::StrCat(endpoint.host, ":", endpoint.port)
                                    : endpoint.unix_path;
}

// Asks one Sentinel, synchronously, where the primary of `name` is.
absl::StatusOr<RedisEndpoint> AskSentinel(const RedisEndpoint& sentinel, const std::string& name,
                                          absl::Duration timeout) {
  const timeval tv = absl::ToTimeval(timeout);
  std::unique_ptr<redisContext, decltype(&redisFree)> context(
      redisConnectWithTimeout(sentinel.host.c_str(), sentinel.port, tv), &redisFree);
  if (context == nullptr || context->err != 0) {
    return StorageUnavailable(absl::StrCat("sentinel ", AddressOf(sentinel), ": ",
                                           context != nullptr ? context->errstr : "out of memory"));
  }
  redisSetTimeout(context.get(), tv);
  std::unique_ptr<redisReply, decltype(&freeReplyObject)> reply(
      static_cast<redisReply*>(redisCommand(context.get(), "SENTINEL get-master-addr-by-name %b",
                                            name.data(), name.size())),
      &freeReplyObject);
  if (reply == nullptr) {
    return StorageUnavailable(
        absl::StrCat("sentinel ", AddressOf(sentinel), ": ", context->errstr));
  }
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
      reply->element[0]->type != REDIS_REPLY_STRING ||
      reply->element[1]->type != REDIS_REPLY_STRING) {
    return StorageUnavailable(
        absl::StrCat("sentinel ", AddressOf(sentinel), " does not know master ", name));
  }
  RedisEndpoint primary;
  primary.host.assign(reply->element[0]->str, reply->element[0]->len);
  if (!absl::SimpleAtoi(absl::string_view(reply->element[1]->str, reply->element[1]->len),
                        &primary.port)) {
    return StorageUnavailable("sentinel answered a malformed port");
  }
  return primary;
}

}  // namespace

// Everything that touches hiredis runs on this object's thread.
class RedisClient::Loop {
 public:
  explicit Loop(RedisClientOptions options) : options_(std::move(options)) {}

  ~Loop() {
    Stop();
    for (event* e : {wake_event_, tick_event_, reconnect_event_, watch_event_}) {
      if (e != nullptr) {
        event_free(e);
      }
    }
    if (base_ != nullptr) {
      event_base_free(base_);
    }
    if (wake_fd_ >= 0) {
      close(wake_fd_);
    }
  }

  absl::Status Start() {
    base_ = event_base_new();
    wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (base_ == nullptr || wake_fd_ < 0) {
      return absl::InternalError("cannot create the redis event loop");
    }
    wake_event_ = event_new(base_, wake_fd_, EV_READ | EV_PERSIST, &Loop::OnWake, this);
    tick_event_ = event_new(base_, -1, EV_PERSIST, &Loop::OnTick, this);
    reconnect_event_ = evtimer_new(base_, &Loop::OnReconnectTimer, this);
    watch_event_ = evtimer_new(base_, &Loop::OnWatchTimer, this);
    // Caller timeouts are checked on this tick, so it bounds their precision.
    const timeval tick = {0, 10'000};  // µs
    event_add(wake_event_, nullptr);
    event_add(tick_event_, &tick);
    Connect();
    if (!options_.sentinels.empty()) {
      Watch();
    }
    thread_ = std::thread([this] { event_base_loop(base_, EVLOOP_NO_EXIT_ON_EMPTY); });
    return absl::OkStatus();
  }

  void Submit(std::vector<QueuedCommand> commands) {
    {
      mutex_.Lock();
      if (stopping_ || !connected_.load(std::memory_order_acquire)) {
        // Fail fast: an outage must not pile up waiting calls.
        const absl::string_view why = stopping_ ? "client shut down" : "not connected";
        mutex_.Unlock();
        for (QueuedCommand& queued : commands) {
          Observe("disconnected", absl::ZeroDuration());
          std::move(queued.done)(StorageUnavailable(why));
        }
        return;
      }
      if (pending_count_ + commands.size() > options_.max_pending_commands) {
        mutex_.Unlock();
        for (QueuedCommand& queued : commands) {
          Observe("overloaded", absl::ZeroDuration());
          absl::Status status =
              ErrorWithReasonCode(absl::StatusCode::kResourceExhausted, "OVERLOADED",
                                  "too many redis commands pending");
          SetRetryAfter(status, absl::Seconds(1));
          std::move(queued.done)(std::move(status));
        }
        return;
      }
      pending_count_ += commands.size();
      for (QueuedCommand& queued : commands) {
        incoming_.push_back(std::move(queued));
      }
      mutex_.Unlock();
    }
    const uint64_t one = 1;
    // A full eventfd counter still wakes the loop, so a failed write is harmless.
    [[maybe_unused]] ssize_t written = write(wake_fd_, &one, sizeof(one));
  }

  [[nodiscard]] bool IsConnected() const { return connected_.load(std::memory_order_acquire); }

  [[nodiscard]] absl::Time LastTick() const {
    return absl::FromUnixNanos(last_tick_ns_.load(std::memory_order_acquire));
  }

  bool WaitUntilConnected(absl::Duration timeout) const {
    const absl::Time deadline = absl::Now() + timeout;
    while (!IsConnected()) {
      if (absl::Now() >= deadline) {
        return false;
      }
      absl::SleepFor(absl::Milliseconds(5));
    }
    return true;
  }

  void Drain(absl::Duration timeout) {
    {
      absl::MutexLock lock(&mutex_);
      stopping_ = true;
      auto drained = [this]() ABSL_SHARED_LOCKS_REQUIRED(mutex_) { return pending_count_ == 0; };
      mutex_.AwaitWithTimeout(absl::Condition(&drained), timeout);
    }
  }

  void Stop() {
    if (!thread_.joinable()) {
      return;
    }
    {
      absl::MutexLock lock(&mutex_);
      stopping_ = true;
    }
    // libevent is not thread-safe here: ask the loop thread to stop itself.
    stop_requested_.store(true, std::memory_order_release);
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t written = write(wake_fd_, &one, sizeof(one));
    thread_.join();
  }

 private:
  // libevent callback signatures use `short`.
  static void OnWake(evutil_socket_t fd, short /*events*/, void* arg) {  // NOLINT
    uint64_t count = 0;
    [[maybe_unused]] ssize_t got = read(fd, &count, sizeof(count));
    auto* loop = static_cast<Loop*>(arg);
    if (loop->stop_requested_.load(std::memory_order_acquire)) {
      loop->FailIncoming();
      loop->DropConnection("shutdown");
      loop->DropWatch();
      event_base_loopbreak(loop->base_);
      return;
    }
    loop->SendIncoming();
  }

  static void OnTick(evutil_socket_t, short, void* arg) {  // NOLINT
    auto* loop = static_cast<Loop*>(arg);
    loop->CheckTimeouts();
    loop->last_tick_ns_.store(absl::ToUnixNanos(absl::Now()), std::memory_order_release);
  }

  // Loop thread only: the one place where the serving state changes, so that
  // whoever follows it hears of every change.
  void SetServing(bool serving) {
    if (connected_.exchange(serving, std::memory_order_acq_rel) != serving &&
        options_.on_serving_change) {
      options_.on_serving_change(serving);
    }
  }

  static void OnReconnectTimer(evutil_socket_t, short, void* arg) {  // NOLINT
    static_cast<Loop*>(arg)->Connect();
  }

  static void OnWatchTimer(evutil_socket_t, short, void* arg) {  // NOLINT
    static_cast<Loop*>(arg)->Watch();
  }

  static void OnConnect(const redisAsyncContext* context, int status) {
    auto* loop = static_cast<Loop*>(context->data);
    if (context != loop->context_) {
      return;
    }
    loop->connecting_ = false;
    if (status != REDIS_OK) {
      // hiredis frees the context after this returns.
      loop->LogConnectFailure(context->errstr);
      loop->context_ = nullptr;
      loop->ScheduleReconnect();
      return;
    }
    // Connected, but not yet serving: the handshake sent in Connect() must
    // be answered first (see OnHandshake).
  }

  static void OnDisconnect(const redisAsyncContext* context, int status) {
    auto* loop = static_cast<Loop*>(context->data);
    if (context != loop->context_) {
      return;  // we dropped it ourselves and already reacted
    }
    log::Warning("redis connection lost",
                 {{"error", status == REDIS_OK ? "closed" : context->errstr}});
    loop->context_ = nullptr;
    loop->connecting_ = false;
    loop->SetServing(false);
    loop->ScheduleReconnect();
  }

  static void OnReply(redisAsyncContext* context, void* reply, void* privdata) {
    auto* loop = static_cast<Loop*>(context->data);
    loop->Complete(static_cast<InFlight*>(privdata), static_cast<redisReply*>(reply));
  }

  // Where to connect: the configured endpoint, or the primary the Sentinels
  // name (the first that answers; it is asked first next time). The question
  // is synchronous, on the loop thread: without a connection the loop has
  // nothing else to do (calls fail at once without it), and each Sentinel gets
  // at most 300 ms.
  absl::StatusOr<RedisEndpoint> Target() {
    if (options_.sentinels.empty()) {
      return options_.endpoint;
    }
    const absl::Duration timeout = std::min(options_.connect_timeout, absl::Milliseconds(300));
    absl::Status last = StorageUnavailable("no sentinel configured");
    for (std::size_t i = 0; i < options_.sentinels.size(); ++i) {
      const std::size_t index = (preferred_sentinel_ + i) % options_.sentinels.size();
      absl::StatusOr<RedisEndpoint> primary =
          AskSentinel(options_.sentinels[index], options_.master_name, timeout);
      if (primary.ok()) {
        preferred_sentinel_ = index;
        primary->database = options_.endpoint.database;
        return primary;
      }
      last = primary.status();
    }
    return last;
  }

  void Connect() {
    if (context_ != nullptr) {
      return;
    }
    absl::StatusOr<RedisEndpoint> target = Target();
    if (!target.ok()) {
      LogConnectFailure(target.status().message());
      ScheduleReconnect();
      return;
    }
    const RedisEndpoint& endpoint = *target;
    redisAsyncContext* context = endpoint.unix_path.empty()
                                     ? redisAsyncConnect(endpoint.host.c_str(), endpoint.port)
                                     : redisAsyncConnectUnix(endpoint.unix_path.c_str());
    if (context == nullptr || context->err != 0) {
      LogConnectFailure(context != nullptr ? context->errstr : "out of memory");
      if (context != nullptr) {
        redisAsyncFree(context);
      }
      ScheduleReconnect();
      return;
    }
    context->data = this;
    redisLibeventAttach(context, base_);
    redisAsyncSetConnectCallback(context, &Loop::OnConnect);
    redisAsyncSetDisconnectCallback(context, &Loop::OnDisconnect);
    context_ = context;
    connecting_ = true;
    connect_deadline_ = absl::Now() + options_.connect_timeout;
    primary_ = endpoint;
    // Queued before anything else, so every later command sees the database.
    if (endpoint.database != 0) {
      Internal({"SELECT", absl::StrCat(endpoint.database)},
               [](const absl::StatusOr<RedisValue>& result) {
                 if (!result.ok()) {
                   log::Error("redis SELECT failed", {{"error", result.status().message()}});
                 }
               });
    }
    // The server is taken as serving only once it answers: a listening socket
    // alone proves nothing (a stopped or loading Redis still accepts
    // connections). With Sentinel, it must also say that it is the primary.
    const bool sentinel = !options_.sentinels.empty();
    Internal(sentinel ? Command{"ROLE"} : Command{"PING"},
             [this, context, sentinel](absl::StatusOr<RedisValue> reply) {
               OnHandshake(context, sentinel, std::move(reply));
             });
  }

  void OnHandshake(const redisAsyncContext* context, bool sentinel,
                   absl::StatusOr<RedisValue> reply) {
    if (context != context_) {
      return;  // an older connection; whoever dropped it has reacted
    }
    if (!reply.ok()) {
      if (absl::EndsWith(reply.status().message(), kConnectionLost)) {
        return;  // the connection failed: its disconnect callback reconnects
      }
      LogConnectFailure(reply.status().message());
      DropConnection("not ready", /*quietly=*/true);  // logged, sampled, just above
      // The server is up but not serving yet (LOADING its data, say): it
      // will be soon, so look again at the shortest delay rather than after
      // a backoff grown while it was away.
      reconnect_delay_ = options_.reconnect_min_delay;
      ScheduleReconnect();
      return;
    }
    if (sentinel && (reply->elements.empty() || reply->elements[0].string != "master")) {
      LogConnectFailure("the server the sentinels named is not a primary");
      DropConnection("not a primary");
      ScheduleReconnect();
      return;
    }
    reconnect_delay_ = options_.reconnect_min_delay;
    connect_failures_ = 0;
    SetServing(true);
    log::Info("redis connected", {{"address", AddressOf(primary_)}});
  }

  // Connection failures repeat every reconnect attempt during an outage: log
  // the first and then one in twenty.
  void LogConnectFailure(absl::string_view error) {
    if (connect_failures_++ % 20 == 0) {
      log::Warning("redis connect failed", {{"error", error}});
    }
  }

  void ScheduleReconnect() {
    if (stop_requested_.load(std::memory_order_acquire)) {
      return;
    }
    const timeval delay = absl::ToTimeval(reconnect_delay_);
    reconnect_delay_ = std::min(reconnect_delay_ * 2, options_.reconnect_max_delay);
    evtimer_add(reconnect_event_, &delay);
  }

  // Connects again at once (the primary moved), without waiting for backoff.
  void Reconnect(absl::string_view why) {
    DropConnection(why);
    reconnect_delay_ = options_.reconnect_min_delay;
    evtimer_del(reconnect_event_);
    const timeval now = {0, 0};
    evtimer_add(reconnect_event_, &now);
  }

  // Frees the connection: hiredis fails every pending reply (with a null reply).
  void DropConnection(absl::string_view why, bool quietly = false) {
    redisAsyncContext* context = context_;
    if (context == nullptr) {
      return;
    }
    context_ = nullptr;
    connecting_ = false;
    SetServing(false);
    if (!quietly) {
      log::Warning("redis connection dropped", {{"reason", why}});
    }
    redisAsyncFree(context);
  }

  // The Sentinel subscription: +switch-master says at once that the primary
  // moved, even when the old one is still up and answering.
  void Watch() {
    if (watch_context_ != nullptr || stop_requested_.load(std::memory_order_acquire)) {
      return;
    }
    const RedisEndpoint& sentinel =
        options_.sentinels[watch_sentinel_++ % options_.sentinels.size()];
    redisAsyncContext* context = redisAsyncConnect(sentinel.host.c_str(), sentinel.port);
    if (context == nullptr || context->err != 0) {
      if (context != nullptr) {
        redisAsyncFree(context);
      }
      ScheduleWatch();
      return;
    }
    context->data = this;
    redisLibeventAttach(context, base_);
    redisAsyncSetConnectCallback(context, &Loop::OnWatchConnect);
    redisAsyncSetDisconnectCallback(context, &Loop::OnWatchDisconnect);
    watch_context_ = context;
    redisAsyncCommand(context, &Loop::OnSwitchMaster, nullptr, "SUBSCRIBE +switch-master");
  }

  void ScheduleWatch() {
    const timeval delay = absl::ToTimeval(absl::Seconds(1));
    evtimer_add(watch_event_, &delay);
  }

  void DropWatch() {
    redisAsyncContext* context = watch_context_;
    if (context != nullptr) {
      watch_context_ = nullptr;
      redisAsyncFree(context);
    }
  }

  static void OnWatchConnect(const redisAsyncContext* context, int status) {
    auto* loop = static_cast<Loop*>(context->data);
    if (status != REDIS_OK && context == loop->watch_context_) {
      loop->watch_context_ = nullptr;  // hiredis frees it
      loop->ScheduleWatch();
    }
  }

  static void OnWatchDisconnect(const redisAsyncContext* context, int /*status*/) {
    auto* loop = static_cast<Loop*>(context->data);
    if (context == loop->watch_context_) {
      loop->watch_context_ = nullptr;
      loop->ScheduleWatch();
    }
  }

  // Messages are {"message", channel, "<name> <old ip> <old port> <new ip> <new port>"}.
  static void OnSwitchMaster(redisAsyncContext* context, void* reply, void* /*privdata*/) {
    auto* loop = static_cast<Loop*>(context->data);
    const auto* message = static_cast<const redisReply*>(reply);
    if (message == nullptr || message->type != REDIS_REPLY_ARRAY || message->elements != 3 ||
        message->element[2]->type != REDIS_REPLY_STRING ||
        absl::string_view(message->element[0]->str, message->element[0]->len) != "message") {
      return;
    }
    const std::vector<absl::string_view> fields =
        absl::StrSplit(absl::string_view(message->element[2]->str, message->element[2]->len), ' ');
    if (fields.size() != 5 || fields[0] != loop->options_.master_name) {
      return;
    }
    log::Warning("redis primary switched by sentinel",
                 {{"from", absl::StrCat(fields[1], ":", fields[2])},
                  {"to", absl::StrCat(fields[3], ":", fields[4])}});
    if (fields[3] != loop->primary_.host || fields[4] != absl::StrCat(loop->primary_.port) ||
        !loop->connected_.load(std::memory_order_acquire)) {
      loop->Reconnect("the primary moved");
    }
  }

  void SendIncoming() {
    std::deque<QueuedCommand> batch;
    {
      absl::MutexLock lock(&mutex_);
      batch.swap(incoming_);
    }
    std::shared_ptr<ReplicaWait> wait;
    for (QueuedCommand& queued : batch) {
      if (queued.replicated && options_.wait_replicas > 0) {
        if (wait == nullptr) {
          wait = std::make_shared<ReplicaWait>();
        }
        // Its reply is held (in order) until the WAIT below answers.
        const std::size_t slot = wait->held.size();
        wait->held.push_back(
            {std::move(queued.done), StorageUnavailable("no reply"), queued.call_deadline});
        queued.done = [wait, slot](absl::StatusOr<RedisValue> result) {
          wait->held[slot].result = std::move(result);
        };
      }
      Send(std::move(queued));
    }
    if (wait != nullptr) {
      SendWait(wait);
    }
  }

  void SendWait(const std::shared_ptr<ReplicaWait>& wait) {
    const int wanted = options_.wait_replicas;
    Internal({"WAIT", absl::StrCat(wanted),
              absl::StrCat(absl::ToInt64Milliseconds(options_.wait_timeout))},
             [this, wait, wanted](absl::StatusOr<RedisValue> reply) {
               const bool replicated = reply.ok() && reply->integer >= wanted;
               if (!replicated) {
                 Observe("unreplicated", absl::ZeroDuration());
               }
               for (ReplicaWait::Held& held : wait->held) {
                 absl::StatusOr<RedisValue> result = std::move(held.result);
                 if (result.ok() && !replicated) {
                   result = StorageUnavailable(
                       reply.ok() ? "written on the primary, not confirmed by enough replicas"
                                  : "no answer to WAIT");
                 }
                 ScopedDeadline scope(held.call_deadline);
                 std::move(held.done)(std::move(result));
               }
             });
  }

  void FailIncoming() {
    std::deque<QueuedCommand> batch;
    {
      absl::MutexLock lock(&mutex_);
      batch.swap(incoming_);
    }
    for (QueuedCommand& queued : batch) {
      Finish(std::move(queued.done), StorageUnavailable("client shut down"), queued.call_deadline);
    }
  }

  // A command of the client's own (handshake, SELECT, WAIT), counted like
  // the callers' so that Drain waits for it too.
  void Internal(Command command, ReplyCallback done) {
    {
      absl::MutexLock lock(&mutex_);
      ++pending_count_;
    }
    QueuedCommand queued;
    queued.command = std::move(command);
    queued.done = std::move(done);
    Send(std::move(queued));
  }

  void Send(QueuedCommand queued) {
    if (context_ == nullptr) {
      Finish(std::move(queued.done), StorageUnavailable("not connected"), queued.call_deadline);
      return;
    }
    const absl::Time now = absl::Now();
    if (now >= queued.call_deadline) {
      // Nobody waits for this any more: do not spend Redis on it.
      Observe("expired", absl::ZeroDuration());
      Finish(std::move(queued.done), DeadlinePassed(), queued.call_deadline);
      return;
    }
    const Command& command = queued.command;
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    argv.reserve(command.size());
    lengths.reserve(command.size());
    for (const std::string& argument : command) {
      argv.push_back(argument.data());
      lengths.push_back(argument.size());
    }
    auto in_flight = std::make_unique<InFlight>();
    in_flight->done = std::move(queued.done);
    in_flight->sent = now;
    in_flight->deadline = now + options_.command_timeout;
    in_flight->call_deadline = queued.call_deadline;
    const absl::Time caller_answer_by =
        queued.timeout == absl::InfiniteDuration() ? absl::InfiniteFuture() : now + queued.timeout;
    in_flight->answer_by = std::min(caller_answer_by, queued.call_deadline);
    in_flight->answer_by_is_call_deadline = queued.call_deadline < caller_answer_by;
    if (in_flight->answer_by != absl::InfiniteFuture()) {
      ++with_answer_by_;
    }
    InFlight* raw = in_flight.get();
    in_flight_.push_back(std::move(in_flight));
    if (redisAsyncCommandArgv(context_, &Loop::OnReply, raw, static_cast<int>(argv.size()),
                              argv.data(), lengths.data()) != REDIS_OK) {
      if (raw->answer_by != absl::InfiniteFuture()) {
        --with_answer_by_;
      }
      ReplyCallback failed = std::move(raw->done);
      in_flight_.pop_back();
      Finish(std::move(failed), StorageUnavailable("cannot queue command"), queued.call_deadline);
    }
  }

  void Complete(InFlight* in_flight, redisReply* reply) {
    if (in_flight_.empty() || in_flight_.front().get() != in_flight) {
      log::Error("redis reply does not match the oldest command in flight");
      return;
    }
    std::unique_ptr<InFlight> done = std::move(in_flight_.front());
    in_flight_.pop_front();
    if (done->answer_by != absl::InfiniteFuture()) {
      --with_answer_by_;
    }
    // A primary demoted by a failover refuses writes: find the new one.
    const bool demoted = reply != nullptr && reply->type == REDIS_REPLY_ERROR &&
                         !options_.sentinels.empty() &&
                         absl::StartsWith(absl::string_view(reply->str, reply->len), "READONLY");
    if (done->answered) {
      // The caller gave up waiting; only the bookkeeping is left.
      absl::MutexLock lock(&mutex_);
      --pending_count_;
    } else {
      absl::StatusOr<RedisValue> result = ConvertReply(reply);
      Observe(reply == nullptr ? "disconnected" : (result.ok() ? "ok" : "error"),
              absl::Now() - done->sent);
      Finish(std::move(done->done), std::move(result), done->call_deadline);
    }
    if (demoted && context_ != nullptr) {
      Reconnect("the server is no longer the primary");
    }
  }

  void Observe(absl::string_view result, absl::Duration took) const {
    if (options_.observer) {
      options_.observer(result, took);
    }
  }

  // Runs a caller's callback under its call's deadline, so that the commands
  // it issues next carry it too.
  void Finish(ReplyCallback done, absl::StatusOr<RedisValue> result, absl::Time call_deadline) {
    {
      ScopedDeadline scope(call_deadline);
      std::move(done)(std::move(result));
    }
    absl::MutexLock lock(&mutex_);
    --pending_count_;
  }

  void CheckTimeouts() {
    const absl::Time now = absl::Now();
    if (with_answer_by_ > 0) {
      for (const std::unique_ptr<InFlight>& in_flight : in_flight_) {
        if (!in_flight->answered && now > in_flight->answer_by) {
          in_flight->answered = true;
          Observe("timeout", now - in_flight->sent);
          ScopedDeadline scope(in_flight->call_deadline);
          std::move(in_flight->done)(
              in_flight->answer_by_is_call_deadline
                  ? DeadlinePassed()
                  : StorageUnavailable("no reply within the caller's timeout"));
        }
      }
    }
    if (connecting_ && now > connect_deadline_) {
      DropConnection("connect timeout");
      ScheduleReconnect();
      return;
    }
    if (!in_flight_.empty() && now > in_flight_.front()->deadline) {
      DropConnection("command timeout");
      ScheduleReconnect();
    }
  }

  const RedisClientOptions options_;
  event_base* base_ = nullptr;
  event* wake_event_ = nullptr;
  event* tick_event_ = nullptr;
  event* reconnect_event_ = nullptr;
  event* watch_event_ = nullptr;
  int wake_fd_ = -1;
  std::thread thread_;

  // Loop thread only.
  redisAsyncContext* context_ = nullptr;
  bool connecting_ = false;
  absl::Time connect_deadline_;
  absl::Duration reconnect_delay_ = options_.reconnect_min_delay;
  uint64_t connect_failures_ = 0;
  std::deque<std::unique_ptr<InFlight>> in_flight_;
  std::size_t with_answer_by_ = 0;  // in-flight commands with a caller timeout
  RedisEndpoint primary_;           // where context_ is connected
  std::size_t preferred_sentinel_ = 0;
  std::size_t watch_sentinel_ = 0;
  redisAsyncContext* watch_context_ = nullptr;

  // Shared.
  std::atomic<bool> connected_{false};
  std::atomic<bool> stop_requested_{false};
  std::atomic<int64_t> last_tick_ns_{absl::ToUnixNanos(absl::Now())};
  absl::Mutex mutex_;
  std::deque<QueuedCommand> incoming_ ABSL_GUARDED_BY(mutex_);
  std::size_t pending_count_ ABSL_GUARDED_BY(mutex_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
};

RedisScript::RedisScript(std::string source, WriteAck ack)
    : source_(std::move(source)), sha1_(crypto::Sha1Hex(source_)), ack_(ack) {}

absl::StatusOr<std::unique_ptr<RedisClient>> RedisClient::Create(RedisClientOptions options) {
  auto loop = std::make_unique<Loop>(std::move(options));
  if (absl::Status started = loop->Start(); !started.ok()) {
    return started;
  }
  return std::unique_ptr<RedisClient>(new RedisClient(std::move(loop)));
}

RedisClient::RedisClient(std::unique_ptr<Loop> loop) : loop_(std::move(loop)) {}

RedisClient::~RedisClient() { loop_->Stop(); }

void RedisClient::Execute(Command command, ReplyCallback done) {
  Execute(std::move(command), absl::InfiniteDuration(), std::move(done));
}

void RedisClient::Execute(Command command, absl::Duration timeout, ReplyCallback done) {
  Send(std::move(command), timeout, WriteAck::kPrimary, std::move(done));
}

void RedisClient::Send(Command command, absl::Duration timeout, WriteAck ack, ReplyCallback done) {
  std::vector<QueuedCommand> commands(1);
  commands[0].command = std::move(command);
  commands[0].done = std::move(done);
  commands[0].timeout = timeout;
  commands[0].call_deadline = CurrentDeadline();
  commands[0].replicated = ack == WriteAck::kReplicated;
  loop_->Submit(std::move(commands));
}

void RedisClient::ExecuteBatch(std::vector<Command> commands, BatchCallback done) {
  struct Gather {
    explicit Gather(std::size_t n, BatchCallback callback)
        : results(n, StorageUnavailable("no reply")), remaining(n), done(std::move(callback)) {}
    std::vector<absl::StatusOr<RedisValue>> results;
    std::atomic<std::size_t> remaining;
    BatchCallback done;
  };
  if (commands.empty()) {
    std::move(done)({});
    return;
  }
  auto gather = std::make_shared<Gather>(commands.size(), std::move(done));
  std::vector<QueuedCommand> queued;
  queued.reserve(commands.size());
  const absl::Time call_deadline = CurrentDeadline();
  for (std::size_t i = 0; i < commands.size(); ++i) {
    QueuedCommand& one = queued.emplace_back();
    one.command = std::move(commands[i]);
    one.done = [gather, i](absl::StatusOr<RedisValue> result) {
      gather->results[i] = std::move(result);
      if (gather->remaining.fetch_sub(1) == 1) {
        std::move(gather->done)(std::move(gather->results));
      }
    };
    one.call_deadline = call_deadline;
  }
  loop_->Submit(std::move(queued));
}

void RedisClient::EvalScript(const RedisScript& script, std::vector<std::string> keys,
                             std::vector<std::string> args, ReplyCallback done) {
  EvalScript(script, std::move(keys), std::move(args), absl::InfiniteDuration(), std::move(done));
}

void RedisClient::EvalScript(const RedisScript& script, std::vector<std::string> keys,
                             std::vector<std::string> args, absl::Duration timeout,
                             ReplyCallback done) {
  Command command;
  command.reserve(3 + keys.size() + args.size());
  command.push_back("EVALSHA");
  command.push_back(script.sha1());
  command.push_back(absl::StrCat(keys.size()));
  command.insert(command.end(), keys.begin(), keys.end());
  command.insert(command.end(), args.begin(), args.end());
  Command fallback = command;
  fallback[0] = "EVAL";
  fallback[1] = script.source();
  const WriteAck ack = script.ack();
  Send(std::move(command), timeout, ack,
       [this, timeout, ack, fallback = std::move(fallback),
        done = std::move(done)](absl::StatusOr<RedisValue> result) mutable {
         if (!result.ok() && absl::StrContains(result.status().message(), "NOSCRIPT")) {
           // Redis restarted or flushed its scripts: EVAL loads the script again.
           Send(std::move(fallback), timeout, ack, std::move(done));
           return;
         }
         std::move(done)(std::move(result));
       });
}

bool RedisClient::IsConnected() const { return loop_->IsConnected(); }

absl::Time RedisClient::LastLoopTick() const { return loop_->LastTick(); }

bool RedisClient::WaitUntilConnected(absl::Duration timeout) const {
  return loop_->WaitUntilConnected(timeout);
}

void RedisClient::Shutdown(absl::Duration timeout) {
  loop_->Drain(timeout);
  loop_->Stop();
}

}  // namespace moderation::redis
