#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "service/storage/redis/redis_value.h"

namespace moderation::redis {

using Command = std::vector<std::string>;
using ReplyCallback = absl::AnyInvocable<void(absl::StatusOr<RedisValue>) &&>;
using BatchCallback = absl::AnyInvocable<void(std::vector<absl::StatusOr<RedisValue>>) &&>;

// Where Redis is. Parsed from "redis://host:port[/db]" or "unix:///path".
struct RedisEndpoint {
  std::string host;  // empty for a unix socket
  int port = 6379;
  std::string unix_path;  // empty for TCP
  int database = 0;
};
[[nodiscard]] absl::StatusOr<RedisEndpoint> ParseRedisUrl(absl::string_view url);
// A Sentinel's address, "host:port" (or "[ipv6]:port"); the port defaults to 26379.
[[nodiscard]] absl::StatusOr<RedisEndpoint> ParseSentinelAddress(absl::string_view address);

struct RedisClientOptions {
  // Where Redis is, unless `sentinels` is set (then only its database is used).
  RedisEndpoint endpoint;
  // High availability: the Sentinels to ask which server is the primary of
  // `master_name`. The client connects to that primary, checks with ROLE that
  // it is one, and asks again whenever the connection is lost, a write is
  // refused with READONLY, or a Sentinel announces +switch-master.
  std::vector<RedisEndpoint> sentinels;
  std::string master_name;
  absl::Duration connect_timeout = absl::Seconds(1);
  // A command without a reply after this long fails with UNAVAILABLE, and the
  // connection is dropped and re-established (a silent peer looks like this).
  absl::Duration command_timeout = absl::Seconds(1);
  // Commands queued or awaiting a reply beyond this are refused at once with
  // RESOURCE_EXHAUSTED, so that an outage cannot pile up memory.
  std::size_t max_pending_commands = 10000;
  // Writes marked kReplicated (see RedisScript) are acknowledged only once
  // this many replicas have them: one WAIT follows each write to Redis that
  // carries such commands, and their replies are held until it answers. When
  // fewer replicas confirm within `wait_timeout`, they fail with UNAVAILABLE
  // (the primary has them; a retry with the same idempotency key finds them).
  // 0: no WAIT. `wait_timeout` must stay below `command_timeout`.
  int wait_replicas = 0;
  absl::Duration wait_timeout = absl::Milliseconds(100);
  // Delays between reconnection attempts grow from the first to the second.
  absl::Duration reconnect_min_delay = absl::Milliseconds(50);
  absl::Duration reconnect_max_delay = absl::Milliseconds(500);
  // Told of every command's end: "ok", "error" (an error reply), "timeout",
  // "disconnected", "overloaded" or "expired" (the caller's deadline had
  // passed: never sent), and how long it took. Runs on the client's
  // thread or the caller's; must be quick and thread-safe. Optional.
  std::function<void(absl::string_view result, absl::Duration took)> observer;
  // Told each time the client starts serving (connected, and the server
  // answered the handshake: true) or stops (false), so that health can follow
  // the connection at once. Runs on the client's thread: must be quick, must
  // not block and must not call the client. Optional.
  std::function<void(bool serving)> on_serving_change;
};

// When a write counts as done: once the primary has it (its AOF, with the
// shipped configuration), or once `wait_replicas` replicas have it too.
enum class WriteAck { kPrimary, kReplicated };

// A Lua script called by SHA1 (EVALSHA), loaded again on NOSCRIPT. Scripts
// whose effects must survive a failover (a comment taken, a decision) are
// kReplicated.
class RedisScript {
 public:
  explicit RedisScript(std::string source, WriteAck ack = WriteAck::kPrimary);
  [[nodiscard]] const std::string& source() const { return source_; }
  [[nodiscard]] const std::string& sha1() const { return sha1_; }
  [[nodiscard]] WriteAck ack() const { return ack_; }

 private:
  std::string source_;
  std::string sha1_;
  WriteAck ack_;
};

// An asynchronous, pipelined Redis client. One thread of its own runs an event
// loop that owns the hiredis connection; callers on any thread hand it commands
// and get replies in callbacks, never blocking. Commands issued close together
// leave in one write. The client reconnects by itself; while it is
// disconnected, commands fail at once with UNAVAILABLE.
//
// Every command carries the caller's deadline (see service/common/deadline.h):
// a command whose deadline has passed before it is sent is dropped and fails
// with DEADLINE_EXCEEDED, and no command waits for its reply past it.
//
// Callbacks run on the client's thread: they must be quick and must not block.
// All methods are thread-safe.
class RedisClient {
 public:
  static absl::StatusOr<std::unique_ptr<RedisClient>> Create(RedisClientOptions options);
  // Fails what is still pending with UNAVAILABLE and stops the thread.
  ~RedisClient();

  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Sends one command. Error replies arrive as a failed status: UNAVAILABLE for
  // connection loss or timeout, RESOURCE_EXHAUSTED when too many commands are
  // pending, DEADLINE_EXCEEDED when the caller's deadline passed first,
  // INTERNAL for an error reply from Redis (a bug of ours).
  void Execute(Command command, ReplyCallback done);

  // As above, but `done` gets UNAVAILABLE if no reply came within `timeout`
  // (a late reply is then dropped). The connection is kept: this is for
  // callers that prefer a fast answer to a complete one, such as rate limits.
  void Execute(Command command, absl::Duration timeout, ReplyCallback done);

  // Sends several commands in one write; `done` gets one result per command,
  // in order.
  void ExecuteBatch(std::vector<Command> commands, BatchCallback done);

  // Runs a script by its SHA1, loading it first if Redis does not know it.
  void EvalScript(const RedisScript& script, std::vector<std::string> keys,
                  std::vector<std::string> args, ReplyCallback done);
  void EvalScript(const RedisScript& script, std::vector<std::string> keys,
                  std::vector<std::string> args, absl::Duration timeout, ReplyCallback done);

  // True while a connection to a server that answered (and, with Sentinel,
  // said it is the primary) is established; it may break any moment.
  [[nodiscard]] bool IsConnected() const;

  // When the client's event loop last completed its periodic tick (every
  // 10 ms). Far in the past means the loop is stuck: no reply, timeout or
  // reconnection is handled while it is. Thread-safe, never blocks.
  [[nodiscard]] absl::Time LastLoopTick() const;

  // Waits, up to `timeout`, until connected. For start-up and tests only: blocks.
  [[nodiscard]] bool WaitUntilConnected(absl::Duration timeout) const;

  // Waits, up to `timeout`, for the commands in flight to get their replies,
  // then closes the connection. Further commands fail with UNAVAILABLE.
  void Shutdown(absl::Duration timeout);

  class Loop;  // the event-loop side, private to redis_client.cc

 private:
  explicit RedisClient(std::unique_ptr<Loop> loop);
  void Send(Command command, absl::Duration timeout, WriteAck ack, ReplyCallback done);
  std::unique_ptr<Loop> loop_;
};

}  // namespace moderation::redis
