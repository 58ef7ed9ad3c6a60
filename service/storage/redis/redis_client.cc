#include "service/storage/redis/redis_client.h"

#include <event2/event.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <deque>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
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

// The one place where hiredis replies become our values and statuses.
absl::StatusOr<RedisValue> ConvertReply(const redisReply* reply) {
  if (reply == nullptr) {
    return StorageUnavailable("connection lost before the reply");
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
};

struct InFlight {
  ReplyCallback done;
  absl::Time sent;
  absl::Time deadline;                            // past it, the connection is considered stuck
  absl::Time answer_by = absl::InfiniteFuture();  // past it, the caller gets UNAVAILABLE
  bool answered = false;
};

}  // namespace

// Everything that touches hiredis runs on this object's thread.
class RedisClient::Loop {
 public:
  explicit Loop(RedisClientOptions options) : options_(std::move(options)) {}

  ~Loop() {
    Stop();
    if (wake_event_ != nullptr) {
      event_free(wake_event_);
    }
    if (tick_event_ != nullptr) {
      event_free(tick_event_);
    }
    if (reconnect_event_ != nullptr) {
      event_free(reconnect_event_);
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
    // Caller timeouts are checked on this tick, so it bounds their precision.
    const timeval tick = {0, 10 * 1000};
    event_add(wake_event_, nullptr);
    event_add(tick_event_, &tick);
    Connect();
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
          absl::Status status = ErrorWithReason(absl::StatusCode::kResourceExhausted, "OVERLOADED",
                                                "Hệ thống đang quá tải, vui lòng thử lại sau.",
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
      event_base_loopbreak(loop->base_);
      return;
    }
    loop->SendIncoming();
  }

  static void OnTick(evutil_socket_t, short, void* arg) {  // NOLINT
    static_cast<Loop*>(arg)->CheckTimeouts();
  }

  static void OnReconnectTimer(evutil_socket_t, short, void* arg) {  // NOLINT
    static_cast<Loop*>(arg)->Connect();
  }

  static void OnConnect(const redisAsyncContext* context, int status) {
    auto* loop = static_cast<Loop*>(context->data);
    if (context != loop->context_) {
      return;
    }
    loop->connecting_ = false;
    if (status != REDIS_OK) {
      // hiredis frees the context after this returns.
      log::Warning("redis connect failed", {{"error", context->errstr}});
      loop->context_ = nullptr;
      loop->ScheduleReconnect();
      return;
    }
    loop->reconnect_delay_ = loop->options_.reconnect_min_delay;
    loop->connected_.store(true, std::memory_order_release);
    log::Info("redis connected");
  }

  static void OnDisconnect(const redisAsyncContext* context, int status) {
    auto* loop = static_cast<Loop*>(context->data);
    if (context != loop->context_) {
      return;  // we dropped it ourselves and already reacted
    }
    log::Warning("redis connection lost",
                 {{"error", status == REDIS_OK ? "closed" : context->errstr}});
    loop->context_ = nullptr;
    loop->connected_.store(false, std::memory_order_release);
    loop->ScheduleReconnect();
  }

  static void OnReply(redisAsyncContext* context, void* reply, void* privdata) {
    auto* loop = static_cast<Loop*>(context->data);
    loop->Complete(static_cast<InFlight*>(privdata), static_cast<redisReply*>(reply));
  }

  void Connect() {
    if (context_ != nullptr) {
      return;
    }
    const RedisEndpoint& endpoint = options_.endpoint;
    redisAsyncContext* context = endpoint.unix_path.empty()
                                     ? redisAsyncConnect(endpoint.host.c_str(), endpoint.port)
                                     : redisAsyncConnectUnix(endpoint.unix_path.c_str());
    if (context == nullptr || context->err != 0) {
      if (connect_failures_++ % 20 == 0) {
        log::Warning("redis connect failed",
                     {{"error", context != nullptr ? context->errstr : "out of memory"}});
      }
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
    if (endpoint.database != 0) {
      // Queued before anything else, so every later command sees the database.
      {
        absl::MutexLock lock(&mutex_);
        ++pending_count_;
      }
      Send({"SELECT", absl::StrCat(endpoint.database)}, [](absl::StatusOr<RedisValue> result) {
        if (!result.ok()) {
          log::Error("redis SELECT failed", {{"error", result.status().message()}});
        }
      });
    }
  }

  void ScheduleReconnect() {
    const timeval delay = absl::ToTimeval(reconnect_delay_);
    reconnect_delay_ = std::min(reconnect_delay_ * 2, options_.reconnect_max_delay);
    evtimer_add(reconnect_event_, &delay);
  }

  // Frees the connection: hiredis fails every pending reply (with a null reply).
  void DropConnection(absl::string_view why) {
    redisAsyncContext* context = context_;
    if (context == nullptr) {
      return;
    }
    context_ = nullptr;
    connecting_ = false;
    connected_.store(false, std::memory_order_release);
    log::Warning("redis connection dropped", {{"reason", why}});
    redisAsyncFree(context);
  }

  void SendIncoming() {
    std::deque<QueuedCommand> batch;
    {
      absl::MutexLock lock(&mutex_);
      batch.swap(incoming_);
    }
    for (QueuedCommand& queued : batch) {
      Send(std::move(queued.command), std::move(queued.done), queued.timeout);
    }
  }

  void FailIncoming() {
    std::deque<QueuedCommand> batch;
    {
      absl::MutexLock lock(&mutex_);
      batch.swap(incoming_);
    }
    for (QueuedCommand& queued : batch) {
      Finish(std::move(queued.done), StorageUnavailable("client shut down"));
    }
  }

  void Send(Command command, ReplyCallback done,
            absl::Duration timeout = absl::InfiniteDuration()) {
    if (context_ == nullptr) {
      Finish(std::move(done), StorageUnavailable("not connected"));
      return;
    }
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    argv.reserve(command.size());
    lengths.reserve(command.size());
    for (const std::string& argument : command) {
      argv.push_back(argument.data());
      lengths.push_back(argument.size());
    }
    const absl::Time now = absl::Now();
    auto in_flight = std::make_unique<InFlight>(
        InFlight{.done = std::move(done), .sent = now, .deadline = now + options_.command_timeout});
    if (timeout != absl::InfiniteDuration()) {
      in_flight->answer_by = now + timeout;
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
      Finish(std::move(failed), StorageUnavailable("cannot queue command"));
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
    if (done->answered) {
      // The caller gave up waiting; only the bookkeeping is left.
      absl::MutexLock lock(&mutex_);
      --pending_count_;
      return;
    }
    absl::StatusOr<RedisValue> result = ConvertReply(reply);
    Observe(reply == nullptr ? "disconnected" : (result.ok() ? "ok" : "error"),
            absl::Now() - done->sent);
    Finish(std::move(done->done), std::move(result));
  }

  void Observe(absl::string_view result, absl::Duration took) const {
    if (options_.observer) {
      options_.observer(result, took);
    }
  }

  void Finish(ReplyCallback done, absl::StatusOr<RedisValue> result) {
    std::move(done)(std::move(result));
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
          std::move(in_flight->done)(StorageUnavailable("no reply within the caller's timeout"));
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

  // Shared.
  std::atomic<bool> connected_{false};
  std::atomic<bool> stop_requested_{false};
  absl::Mutex mutex_;
  std::deque<QueuedCommand> incoming_ ABSL_GUARDED_BY(mutex_);
  std::size_t pending_count_ ABSL_GUARDED_BY(mutex_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
};

RedisScript::RedisScript(std::string source)
    : source_(std::move(source)), sha1_(crypto::Sha1Hex(source_)) {}

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
  std::vector<QueuedCommand> commands;
  commands.push_back({std::move(command), std::move(done), timeout});
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
  for (std::size_t i = 0; i < commands.size(); ++i) {
    queued.push_back({std::move(commands[i]), [gather, i](absl::StatusOr<RedisValue> result) {
                        gather->results[i] = std::move(result);
                        if (gather->remaining.fetch_sub(1) == 1) {
                          std::move(gather->done)(std::move(gather->results));
                        }
                      }});
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
  Execute(std::move(command), timeout,
          [this, timeout, fallback = std::move(fallback),
           done = std::move(done)](absl::StatusOr<RedisValue> result) mutable {
            if (!result.ok() && absl::StrContains(result.status().message(), "NOSCRIPT")) {
              // Redis restarted or flushed its scripts: EVAL loads the script again.
              Execute(std::move(fallback), timeout, std::move(done));
              return;
            }
            std::move(done)(std::move(result));
          });
}

bool RedisClient::IsConnected() const { return loop_->IsConnected(); }

bool RedisClient::WaitUntilConnected(absl::Duration timeout) const {
  return loop_->WaitUntilConnected(timeout);
}

void RedisClient::Shutdown(absl::Duration timeout) {
  loop_->Drain(timeout);
  loop_->Stop();
}

}  // namespace moderation::redis
