#include "tests/support/h2_attacker.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace moderation::testing {
namespace {

constexpr uint8_t kHeaders = 0x1;
constexpr uint8_t kRstStream = 0x3;
constexpr uint8_t kSettings = 0x4;
constexpr uint8_t kGoaway = 0x7;
constexpr uint8_t kEndHeaders = 0x4;
constexpr uint8_t kEndStream = 0x1;
constexpr uint8_t kAck = 0x1;
constexpr uint32_t kCancel = 0x8;

void AppendFrameHeader(std::string& out, uint32_t length, uint8_t type, uint8_t flags,
                       uint32_t stream_id) {
  out.push_back(static_cast<char>((length >> 16) & 0xff));
  out.push_back(static_cast<char>((length >> 8) & 0xff));
  out.push_back(static_cast<char>(length & 0xff));
  out.push_back(static_cast<char>(type));
  out.push_back(static_cast<char>(flags));
  const uint32_t id = stream_id & 0x7fffffffU;  // the reserved bit stays clear
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((id >> shift) & 0xff));
  }
}

// HPACK "literal header field without indexing, new name", no Huffman coding:
// nothing enters the dynamic table, so every stream can reuse one block.
void AppendLiteral(std::string& block, absl::string_view name, absl::string_view value) {
  block.push_back('\0');
  block.push_back(static_cast<char>(name.size()));  // all names and values < 127 bytes
  block.append(name.data(), name.size());
  block.push_back(static_cast<char>(value.size()));
  block.append(value.data(), value.size());
}

std::string HeaderBlock(const std::string& path,
                        const std::vector<std::pair<std::string, std::string>>& replaced = {}) {
  std::vector<std::pair<std::string, std::string>> headers = {{":method", "POST"},
                                                              {":scheme", "http"},
                                                              {":path", path},
                                                              {":authority", "localhost"},
                                                              {"content-type", "application/grpc"},
                                                              {"te", "trailers"}};
  for (const auto& [name, value] : replaced) {
    auto same = std::find_if(headers.begin(), headers.end(),
                             [&name](const auto& header) { return header.first == name; });
    if (same != headers.end()) {
      same->second = value;
    } else {
      headers.emplace_back(name, value);
    }
  }
  std::string block;
  for (const auto& [name, value] : headers) {
    AppendLiteral(block, name, value);
  }
  return block;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RawHttp2Connection>> RawHttp2Connection::Connect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return absl::InternalError("socket");
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return absl::UnavailableError(absl::StrCat("connect to port ", port, ": errno ", errno));
  }
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return std::unique_ptr<RawHttp2Connection>(new RawHttp2Connection(fd));
}

RawHttp2Connection::RawHttp2Connection(int fd) : fd_(fd), reader_([this] { Drain(); }) {}

RawHttp2Connection::~RawHttp2Connection() {
  shutdown(fd_, SHUT_RDWR);
  reader_.join();
  close(fd_);
}

void RawHttp2Connection::Drain() {
  std::string pending;
  char buffer[65536];
  while (true) {
    const ssize_t got = recv(fd_, buffer, sizeof(buffer), 0);
    if (got <= 0) {
      if (got < 0 && errno == EINTR) {
        continue;
      }
      closed_.store(true);
      return;
    }
    pending.append(buffer, static_cast<std::size_t>(got));
    std::size_t at = 0;
    while (pending.size() - at >= 9) {
      const auto byte = [&](std::size_t i) { return static_cast<uint8_t>(pending[at + i]); };
      const std::size_t length =
          (std::size_t{byte(0)} << 16) | (std::size_t{byte(1)} << 8) | byte(2);
      if (pending.size() - at < 9 + length) {
        break;
      }
      if (byte(3) == kGoaway) {
        goaways_.fetch_add(1);
      } else if (byte(3) == kRstStream) {
        resets_received_.fetch_add(1);
      } else if (byte(3) == kSettings && (byte(4) & kAck) == 0) {
        pending_settings_acks_.fetch_add(1);
      }
      at += 9 + length;
    }
    pending.erase(0, at);
  }
}

absl::Status RawHttp2Connection::SendAll(const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t wrote = send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (wrote < 0) {
      if (errno == EINTR) {
        continue;
      }
      return absl::UnavailableError(absl::StrCat("send: errno ", errno));
    }
    sent += static_cast<std::size_t>(wrote);
  }
  return absl::OkStatus();
}

std::string RawHttp2Connection::TakeSettingsAcks() {
  std::string acks;
  for (int n = pending_settings_acks_.exchange(0); n > 0; --n) {
    AppendFrameHeader(acks, 0, kSettings, kAck, 0);
  }
  return acks;
}

absl::Status RawHttp2Connection::SendPreface() {
  std::string bytes = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  AppendFrameHeader(bytes, 0, kSettings, 0, 0);
  return SendAll(bytes);
}

absl::Status RawHttp2Connection::SendRaw(const std::string& bytes) { return SendAll(bytes); }

absl::Status RawHttp2Connection::OpenStreams(int count, const std::string& path, bool reset) {
  return SendStreams(count, HeaderBlock(path), reset, /*end_stream=*/false);
}

absl::Status RawHttp2Connection::SendCalls(
    int count, const std::string& path,
    const std::vector<std::pair<std::string, std::string>>& headers) {
  return SendStreams(count, HeaderBlock(path, headers), /*reset=*/false, /*end_stream=*/true);
}

absl::Status RawHttp2Connection::SendStreams(int count, const std::string& block, bool reset,
                                             bool end_stream) {
  constexpr int kStreamsPerWrite = 200;
  for (int done = 0; done < count;) {
    std::string bytes = TakeSettingsAcks();
    for (int i = 0; i < kStreamsPerWrite && done < count; ++i, ++done) {
      const uint32_t stream_id = next_stream_id_;
      next_stream_id_ += 2;
      AppendFrameHeader(bytes, static_cast<uint32_t>(block.size()), kHeaders,
                        end_stream ? kEndHeaders | kEndStream : kEndHeaders, stream_id);
      bytes.append(block);
      if (reset) {
        AppendFrameHeader(bytes, 4, kRstStream, 0, stream_id);
        for (int shift = 24; shift >= 0; shift -= 8) {
          bytes.push_back(static_cast<char>((kCancel >> shift) & 0xff));
        }
      }
    }
    if (closed_.load()) {
      return absl::UnavailableError(
          absl::StrCat("the server closed the connection after ", done, " streams"));
    }
    if (absl::Status sent = SendAll(bytes); !sent.ok()) {
      return absl::UnavailableError(
          absl::StrCat("the server closed the connection after ", done, " streams"));
    }
  }
  return absl::OkStatus();
}

bool RawHttp2Connection::WaitUntilClosed(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!closed_.load()) {
    if (absl::Now() >= deadline) {
      return false;
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  return true;
}

int64_t ResidentKib(pid_t pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    absl::string_view rest = line;
    if (absl::ConsumePrefix(&rest, "VmRSS:")) {
      rest = absl::StripAsciiWhitespace(rest);
      absl::ConsumeSuffix(&rest, " kB");
      int64_t kib = 0;
      if (absl::SimpleAtoi(rest, &kib)) {
        return kib;
      }
    }
  }
  return -1;
}

int OpenDescriptors(pid_t pid) {
  DIR* dir = opendir(absl::StrCat("/proc/", pid, "/fd").c_str());
  if (dir == nullptr) {
    return -1;
  }
  int count = 0;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') {
      ++count;
    }
  }
  closedir(dir);
  return count;
}

}  // namespace moderation::testing
