#include "service/common/log.h"

#include <atomic>
#include <cstdio>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace moderation::log {
namespace {

std::atomic<Level> minimum_level{Level::kInfo};

absl::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarning:
      return "warning";
    case Level::kError:
      return "error";
  }
  return "info";
}

void AppendValue(std::string& line, absl::string_view value) {
  const bool needs_quotes = value.empty() || value.find_first_of(" \"=\n\t") != absl::string_view::npos;
  if (!needs_quotes) {
    line.append(value.data(), value.size());
    return;
  }
  line.push_back('"');
  for (char c : value) {
    if (c == '"' || c == '\\') {
      line.push_back('\\');
      line.push_back(c);
    } else if (c == '\n') {
      line.append("\\n");
    } else if (static_cast<unsigned char>(c) < 0x20) {
      line.push_back(' ');
    } else {
      line.push_back(c);
    }
  }
  line.push_back('"');
}

}  // namespace

void SetMinimumLevel(Level level) { minimum_level.store(level); }

void Write(Level level, absl::string_view message,
           std::initializer_list<std::pair<absl::string_view, absl::string_view>> fields) {
  if (level < minimum_level.load(std::memory_order_relaxed)) {
    return;
  }
  std::string line = absl::StrCat(
      "ts=", absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()),
      " level=", LevelName(level), " msg=");
  AppendValue(line, message);
  for (const auto& [key, value] : fields) {
    absl::StrAppend(&line, " ", key, "=");
    AppendValue(line, value);
  }
  line.push_back('\n');
  // One fwrite per line keeps concurrent lines whole.
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace moderation::log

namespace moderation::log {

bool Sampler::Allow() {
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  if (second_.exchange(now) != now) {
    count_.store(0);
  }
  return count_.fetch_add(1) < per_second_;
}

}  // namespace moderation::log
