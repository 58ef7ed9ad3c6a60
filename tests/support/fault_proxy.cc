#include "tests/support/fault_proxy.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <map>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace moderation::testing {
namespace {

sockaddr_un UnixAddress(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  path.copy(address.sun_path, sizeof(address.sun_path) - 1);
  return address;
}

// MSG_NOSIGNAL: a peer that hung up must fail the write, not raise SIGPIPE
// and end the test process.
bool WriteAll(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t written = send(fd, data, size, MSG_NOSIGNAL);
    if (written <= 0) {
      return false;
    }
    data += written;
    size -= static_cast<std::size_t>(written);
  }
  return true;
}

}  // namespace

absl::StatusOr<std::unique_ptr<FaultProxy>> FaultProxy::Start(std::string upstream_path,
                                                              std::string listen_path) {
  std::unique_ptr<FaultProxy> proxy(new FaultProxy());
  proxy->upstream_path_ = std::move(upstream_path);
  proxy->listen_path_ = std::move(listen_path);
  proxy->listen_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const sockaddr_un address = UnixAddress(proxy->listen_path_);
  if (proxy->listen_fd_ < 0 ||
      bind(proxy->listen_fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0 ||
      listen(proxy->listen_fd_, 64) != 0) {
    return absl::InternalError(absl::StrCat("cannot listen on ", proxy->listen_path_));
  }
  proxy->thread_ = std::thread([p = proxy.get()] { p->Run(); });
  return proxy;
}

FaultProxy::~FaultProxy() {
  stop_.store(true);
  if (thread_.joinable()) {
    thread_.join();
  }
  if (listen_fd_ >= 0) {
    close(listen_fd_);
    unlink(listen_path_.c_str());
  }
}

void FaultProxy::SwallowRepliesAfter(std::string trigger) {
  absl::MutexLock lock(&mutex_);
  trigger_ = std::move(trigger);
}

void FaultProxy::DropConnections() { drop_.store(true); }

void FaultProxy::Heal() {
  absl::MutexLock lock(&mutex_);
  trigger_.clear();
}

void FaultProxy::Run() {
  struct Pair {
    int client = -1;
    int upstream = -1;
    bool swallowing = false;
  };
  std::vector<Pair> pairs;
  auto close_pair = [](Pair& pair) {
    close(pair.client);
    close(pair.upstream);
    pair.client = pair.upstream = -1;
  };
  char buffer[65536];
  while (!stop_.load()) {
    if (drop_.exchange(false)) {
      for (Pair& pair : pairs) {
        close_pair(pair);
      }
      pairs.clear();
    }
    std::vector<pollfd> fds = {{listen_fd_, POLLIN, 0}};
    for (const Pair& pair : pairs) {
      fds.push_back({pair.client, POLLIN, 0});
      fds.push_back({pair.upstream, POLLIN, 0});
    }
    if (poll(fds.data(), fds.size(), 20) <= 0) {
      continue;
    }
    if (fds[0].revents & POLLIN) {
      const int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      const int upstream = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      const sockaddr_un address = UnixAddress(upstream_path_);
      if (client >= 0 && upstream >= 0 && !refuse_.load() &&
          connect(upstream, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0) {
        pairs.push_back({client, upstream, false});
      } else {
        close(client);
        close(upstream);
      }
    }
    for (std::size_t i = 0; i + 1 < fds.size(); i += 2) {
      Pair& pair = pairs[i / 2];
      if (fds[i + 1].revents & (POLLIN | POLLHUP | POLLERR)) {
        const ssize_t got = read(pair.client, buffer, sizeof(buffer));
        if (got <= 0) {
          close_pair(pair);
          continue;
        }
        const absl::string_view bytes(buffer, static_cast<std::size_t>(got));
        {
          absl::MutexLock lock(&mutex_);
          if (!pair.swallowing && !trigger_.empty() && absl::StrContains(bytes, trigger_)) {
            pair.swallowing = true;
            swallowing_.fetch_add(1);
            // Spent: the connection the client opens next, once this one
            // times out, must work even if its first commands (the server's
            // periodic queue-depth probe, say) hold the trigger too.
            trigger_.clear();
          }
        }
        if (!WriteAll(pair.upstream, bytes.data(), bytes.size())) {
          close_pair(pair);
          continue;
        }
      }
      if (fds[i + 2].revents & (POLLIN | POLLHUP | POLLERR)) {
        const ssize_t got = read(pair.upstream, buffer, sizeof(buffer));
        if (got <= 0) {
          close_pair(pair);
          continue;
        }
        // A slow server: the reply waits, in small steps so that healing
        // releases it at once.
        for (const absl::Time held = absl::Now();
             absl::Now() - held < absl::Milliseconds(delay_ms_.load()) && !stop_.load();) {
          absl::SleepFor(absl::Milliseconds(5));
        }
        if (!pair.swallowing && !WriteAll(pair.client, buffer, static_cast<std::size_t>(got))) {
          close_pair(pair);
        }
      }
    }
    std::erase_if(pairs, [](const Pair& pair) { return pair.client < 0; });
  }
  for (Pair& pair : pairs) {
    close_pair(pair);
  }
}

}  // namespace moderation::testing
