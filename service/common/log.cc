#include "service/common/log.h"

#include <atomic>
#include <cstdio>
#include <string>

#include "absl/strings/str_format.h"
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

// Appends `value` as a JSON string literal. Invalid UTF-8 bytes become U+FFFD so
// that every line stays valid JSON whatever a caller passes.
void AppendJsonString(std::string& line, absl::string_view value) {
  line.push_back('"');
  for (std::size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c == '"' || c == '\\') {
      line.push_back('\\');
      line.push_back(static_cast<char>(c));
    } else if (c == '\n') {
      line.append("\\n");
    } else if (c < 0x20 || c == 0x7f) {
      line.append(absl::StrFormat("\\u%04x", c));
    } else if (c < 0x80) {
      line.push_back(static_cast<char>(c));
    } else {
      // Copy a well-formed UTF-8 sequence whole, or replace the bad byte.
      const int length = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
      bool ok = length > 0 && i + length <= value.size();
      for (int k = 1; ok && k < length; ++k) {
        ok = (static_cast<unsigned char>(value[i + k]) & 0xc0) == 0x80;
      }
      if (ok) {
        line.append(value.substr(i, length).data(), length);
        i += length - 1;
      } else {
        line.append("\xEF\xBF\xBD");
      }
    }
  }
  line.push_back('"');
}

}  // namespace

void SetMinimumLevel(Level level) { minimum_level.store(level); }

bool Enabled(Level level) { return level >= minimum_level.load(std::memory_order_relaxed); }

void Write(Level level, absl::string_view message,
           std::initializer_list<std::pair<absl::string_view, absl::string_view>> fields) {
  if (!Enabled(level)) {
    return;
  }
  std::string line = absl::StrCat(
      "{\"time\":\"", absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()),
      "\",\"level\":\"", LevelName(level), "\",\"message\":");
  AppendJsonString(line, message);
  for (const auto& [key, value] : fields) {
    line.push_back(',');
    AppendJsonString(line, key);
    line.push_back(':');
    AppendJsonString(line, value);
  }
  line.append("}\n");
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
