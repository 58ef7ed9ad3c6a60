#include "tests/load/process_usage.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace moderation::loadgen {
namespace {

std::string ProcPath(int pid, const char* file) {
  return "/proc/" + std::to_string(pid) + "/" + file;
}

// /proc/PID/stat: fields 14 and 15, counted after the parenthesised command
// name, which may itself hold spaces and parentheses.
std::optional<double> CpuSeconds(int pid) {
  std::ifstream file(ProcPath(pid, "stat"));
  std::string stat;
  std::getline(file, stat);
  const size_t name_end = stat.rfind(')');
  if (!file || name_end == std::string::npos || name_end + 2 > stat.size()) {
    return std::nullopt;
  }
  std::istringstream fields(stat.substr(name_end + 2));
  std::string field;
  unsigned long long utime = 0;
  unsigned long long stime = 0;
  // Fields 3 to 13, then utime (14) and stime (15).
  for (int i = 3; i <= 13; ++i) {
    fields >> field;
  }
  if (!(fields >> utime >> stime)) {
    return std::nullopt;
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace

ProcessSample SampleProcess(int pid) {
  ProcessSample sample;
  sample.cpu_seconds = CpuSeconds(pid);
  // /proc/PID/status lines such as "VmRSS:     12345 kB".
  std::ifstream status(ProcPath(pid, "status"));
  std::string line;
  while (std::getline(status, line)) {
    std::optional<uint64_t>* target = nullptr;
    if (line.starts_with("VmRSS:")) {
      target = &sample.rss_bytes;
    } else if (line.starts_with("VmHWM:")) {
      target = &sample.peak_rss_bytes;
    } else {
      continue;
    }
    std::istringstream value(line.substr(line.find(':') + 1));
    uint64_t kib = 0;
    std::string unit;
    if (value >> kib >> unit && unit == "kB") {
      *target = kib * 1024;
    }
  }
  return sample;
}

std::optional<ProcessUsage> UsageOver(const std::string& name, const ProcessSample& before,
                                      const ProcessSample& after, uint64_t answered) {
  if (!before.cpu_seconds || !after.cpu_seconds) {
    return std::nullopt;
  }
  ProcessUsage usage;
  usage.name = name;
  usage.cpu_seconds = *after.cpu_seconds - *before.cpu_seconds;
  if (answered > 0) {
    usage.cpu_us_per_call = usage.cpu_seconds * 1e6 / static_cast<double>(answered);
  }
  usage.rss_bytes = after.rss_bytes.value_or(0);
  usage.peak_rss_bytes = after.peak_rss_bytes.value_or(0);
  return usage;
}

}  // namespace moderation::loadgen
