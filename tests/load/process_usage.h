#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace moderation::loadgen {

// What /proc tells about a process on this machine at one moment. A field is
// empty when it cannot be read (the process is gone, or another user's).
struct ProcessSample {
  // User plus system CPU seconds used so far.
  std::optional<double> cpu_seconds;
  // Resident memory now (VmRSS) and the most it has been (VmHWM).
  std::optional<uint64_t> rss_bytes;
  std::optional<uint64_t> peak_rss_bytes;
};

[[nodiscard]] ProcessSample SampleProcess(int pid);

// What a watched process (the server, Redis) used over a phase: CPU time in
// all (warm-up and draining included) and per call answered, and its
// resident memory when the phase ended. Fields that could not be read stay 0.
struct ProcessUsage {
  std::string name;
  double cpu_seconds = 0;
  double cpu_us_per_call = 0;
  uint64_t rss_bytes = 0;
  uint64_t peak_rss_bytes = 0;
};

// Empty when neither sample has CPU time (the process could not be read).
[[nodiscard]] std::optional<ProcessUsage> UsageOver(const std::string& name,
                                                    const ProcessSample& before,
                                                    const ProcessSample& after, uint64_t answered);

}  // namespace moderation::loadgen
