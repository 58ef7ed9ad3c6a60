#include "service/server/serving.h"

#include <grpc/support/log.h>
#include <grpcpp/resource_quota.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "google/protobuf/stubs/logging.h"
#include "service/common/ids.h"
#include "service/common/log.h"
#include "service/storage/redis/keys.h"

namespace moderation::server {
namespace {

constexpr const char* kCommentService = "moderation.v1.CommentService";
constexpr const char* kModerationService = "moderation.v1.ModerationService";

// Protobuf logs a line per malformed message it meets; anyone could turn that
// into a flood. Keep at most one such line a second.
void InstallProtobufLogHandler() {
  google::protobuf::SetLogHandler([](google::protobuf::LogLevel level, const char* /*file*/,
                                     int /*line*/, const std::string& message) {
    static std::atomic<int64_t> last_second{0};
    const int64_t now = absl::ToUnixSeconds(absl::Now());
    if (last_second.exchange(now) == now) {
      return;
    }
    log::Write(
        level >= google::protobuf::LOGLEVEL_ERROR ? log::Level::kError : log::Level::kWarning,
        "protobuf", {{"detail", message}});
  });
}

// gRPC core writes its own lines raw to stderr, among them header values a
// client chose (newlines and escapes included) and one line per bad call.
// Through our logger they are escaped JSON, at one level, at most a few a
// second.
void InstallGrpcLogHandler() {
  gpr_set_log_function([](gpr_log_func_args* args) {
    static log::Sampler sampler(5);
    if (!sampler.Allow()) {
      return;
    }
    log::Write(log::Level::kWarning, "grpc",
               {{"detail", args->message != nullptr ? args->message : ""},
                {"severity", gpr_log_severity_string(args->severity)}});
  });
}

}  // namespace

void RouteLibraryLogsThroughOurs() {
  InstallProtobufLogHandler();
  InstallGrpcLogHandler();
}

HealthWatcher::HealthWatcher(grpc::HealthCheckServiceInterface& health,
                             const redis::RedisClient& redis, ConnectionChanges& changes)
    : health_(health), redis_(redis), changes_(changes), thread_([this] { Watch(); }) {}

HealthWatcher::~HealthWatcher() {
  changes_.Stop();
  thread_.join();
}

void HealthWatcher::Watch() {
  bool last = false;
  bool first = true;
  uint64_t seen = 0;
  while (!changes_.stopped()) {
    const bool serving = redis_.IsConnected();
    if (first || serving != last) {
      health_.SetServingStatus(kCommentService, serving);
      health_.SetServingStatus(kModerationService, serving);
      health_.SetServingStatus("", serving);
      if (!first) {
        log::Info(serving ? "health: SERVING" : "health: NOT_SERVING (redis unavailable)");
      }
      last = serving;
      first = false;
    }
    seen = changes_.WaitForChange(seen, absl::Milliseconds(100));
  }
}

Periodic::Periodic(absl::Duration interval, std::function<void()> task)
    : thread_([this, interval, task = std::move(task)] {
        absl::MutexLock lock(&mutex_);
        while (!mutex_.AwaitWithTimeout(absl::Condition(&stopping_), interval)) {
          mutex_.Unlock();
          task();
          mutex_.Lock();
        }
      }) {}

Periodic::~Periodic() {
  {
    absl::MutexLock lock(&mutex_);
    stopping_ = true;
  }
  thread_.join();
}

void WatchQueue(metrics::ServiceMetrics& service_metrics, redis::RedisClient& redis,
                const Clock& clock) {
  service_metrics.queue_pending.SetCallback([&redis]() -> std::optional<double> {
    absl::Notification done;
    auto result = std::make_shared<absl::StatusOr<redis::RedisValue>>(absl::UnknownError(""));
    redis.Execute({"ZCARD", redis::keys::PendingQueue()}, absl::Milliseconds(200),
                  [result, &done](absl::StatusOr<redis::RedisValue> reply) {
                    *result = std::move(reply);
                    done.Notify();
                  });
    done.WaitForNotification();
    if (!result->ok()) {
      return std::nullopt;
    }
    return static_cast<double>((*result)->integer);
  });
  // Flagged comments sort first in the queue, so the oldest pending comment
  // is the older of the first flagged and the first other one.
  service_metrics.queue_oldest_pending_age_seconds.SetCallback([&redis,
                                                                &clock]() -> std::optional<double> {
    std::optional<absl::Time> oldest;
    for (const auto& [from, to] : {std::pair<const char*, const char*>{"[0", "(1"},
                                   std::pair<const char*, const char*>{"[1", "(2"}}) {
      absl::Notification done;
      auto result = std::make_shared<absl::StatusOr<redis::RedisValue>>(absl::UnknownError(""));
      redis.Execute({"ZRANGE", redis::keys::PendingQueue(), from, to, "BYLEX", "LIMIT", "0", "1"},
                    absl::Milliseconds(200),
                    [result, &done](absl::StatusOr<redis::RedisValue> reply) {
                      *result = std::move(reply);
                      done.Notify();
                    });
      done.WaitForNotification();
      if (!result->ok()) {
        return std::nullopt;
      }
      if (!(*result)->elements.empty()) {
        const absl::Time created =
            CommentIdTime(absl::string_view((*result)->elements[0].string).substr(1));
        oldest = oldest ? std::min(*oldest, created) : created;
      }
    }
    if (!oldest) {
      return 0.0;
    }
    return std::max(0.0, absl::ToDoubleSeconds(clock.Now() - *oldest));
  });
}

void ApplyTransportLimits(const config::TransportSettings& transport,
                          grpc::ServerBuilder& builder) {
  const auto milliseconds = [](int64_t value) { return static_cast<int>(value); };
  builder.AddChannelArgument(GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS,
                             milliseconds(transport.handshake_timeout_ms));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS,
                             milliseconds(transport.max_connection_idle_ms));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS,
                             milliseconds(transport.max_connection_age_ms));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
                             milliseconds(transport.max_connection_age_grace_ms));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, milliseconds(transport.keepalive_time_ms));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                             milliseconds(transport.keepalive_timeout_ms));
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             milliseconds(transport.min_client_ping_interval_ms));
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES,
                             static_cast<int>(transport.max_ping_strikes));
  grpc::ResourceQuota quota("moderation-transport");
  quota.Resize(static_cast<std::size_t>(transport.memory_quota_mb) * 1024 * 1024);
  builder.SetResourceQuota(quota);
}

}  // namespace moderation::server
