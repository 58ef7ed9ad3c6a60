#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

// A hostile HTTP/2 client written with raw frames over a TCP socket, for the
// tests that check the server's transport limits: it ignores the server's
// SETTINGS (max_concurrent_streams), holds streams open, cancels them as fast
// as it opens them (the "rapid reset" pattern) or sends nothing at all.
namespace moderation::testing {

class RawHttp2Connection {
 public:
  // Opens a TCP connection to 127.0.0.1:`port`; sends nothing yet. A thread
  // drains what the server sends and notes GOAWAY frames and the close.
  static absl::StatusOr<std::unique_ptr<RawHttp2Connection>> Connect(int port);
  ~RawHttp2Connection();
  RawHttp2Connection(const RawHttp2Connection&) = delete;
  RawHttp2Connection& operator=(const RawHttp2Connection&) = delete;

  // The client connection preface and an empty SETTINGS frame.
  absl::Status SendPreface();
  // Opens `count` new streams calling `path` (HEADERS without END_STREAM, so
  // each waits for a request message), each cancelled at once with RST_STREAM
  // when `reset`. Fails once the server has closed the connection.
  absl::Status OpenStreams(int count, const std::string& path, bool reset);
  // Sends `count` calls to `path` whose headers are the usual gRPC ones with
  // `headers` replacing or adding to them, each ended at once (END_STREAM,
  // no message).
  absl::Status SendCalls(int count, const std::string& path,
                         const std::vector<std::pair<std::string, std::string>>& headers);
  // Any bytes, e.g. a broken frame.
  absl::Status SendRaw(const std::string& bytes);

  // True once the server has closed the connection (EOF or reset), waiting up
  // to `timeout`.
  bool WaitUntilClosed(absl::Duration timeout);
  [[nodiscard]] bool closed() const { return closed_.load(); }
  [[nodiscard]] int goaways() const { return goaways_.load(); }
  [[nodiscard]] int resets_received() const { return resets_received_.load(); }

 private:
  explicit RawHttp2Connection(int fd);
  absl::Status SendStreams(int count, const std::string& block, bool reset, bool end_stream);
  void Drain();
  absl::Status SendAll(const std::string& bytes);
  // SETTINGS ACK frames owed for the server's SETTINGS seen so far: the
  // reader thread only counts them, the sending thread writes them.
  std::string TakeSettingsAcks();

  int fd_;
  uint32_t next_stream_id_ = 1;
  std::atomic<bool> closed_{false};
  std::atomic<int> goaways_{0};
  std::atomic<int> resets_received_{0};
  std::atomic<int> pending_settings_acks_{0};
  std::thread reader_;
};

// Resident memory of process `pid` in KiB (VmRSS of /proc/<pid>/status), or
// -1 when it cannot be read.
int64_t ResidentKib(pid_t pid);

// Open file descriptors of process `pid` (entries of /proc/<pid>/fd).
int OpenDescriptors(pid_t pid);

}  // namespace moderation::testing
