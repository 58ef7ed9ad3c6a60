#pragma once

#include <atomic>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

// Structured logging to stderr, one JSON object per line:
//   {"time":"2026-11-26T10:00:00.123Z","level":"info","message":"listening","port":"50051"}
// Never pass personal data (phone numbers, IP addresses, comment text) here.
namespace moderation::log {

enum class Level { kDebug, kInfo, kWarning, kError };

void SetMinimumLevel(Level level);

// True when lines at `level` are written: lets a caller skip building fields
// for a line nobody will see.
[[nodiscard]] bool Enabled(Level level);

// Writes one line. `fields` are alternating keys and values. Thread-safe.
void Write(Level level, absl::string_view message,
           std::initializer_list<std::pair<absl::string_view, absl::string_view>> fields = {});

inline void Info(
    absl::string_view message,
    std::initializer_list<std::pair<absl::string_view, absl::string_view>> fields = {}) {
  Write(Level::kInfo, message, fields);
}
inline void Warning(
    absl::string_view message,
    std::initializer_list<std::pair<absl::string_view, absl::string_view>> fields = {}) {
  Write(Level::kWarning, message, fields);
}
inline void Error(
    absl::string_view message,
    std::initializer_list<std::pair<absl::string_view, absl::string_view>> fields = {}) {
  Write(Level::kError, message, fields);
}

}  // namespace moderation::log

namespace moderation::log {

// Lets through at most `per_second` events a second, so that something that
// happens on every request cannot flood the log. Thread-safe.
class Sampler {
 public:
  explicit Sampler(int64_t per_second) : per_second_(per_second) {}
  [[nodiscard]] bool Allow();

 private:
  const int64_t per_second_;
  std::atomic<int64_t> second_{0};
  std::atomic<int64_t> count_{0};
};

}  // namespace moderation::log
