#include "tests/load/process_usage.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <vector>

namespace moderation::loadgen {
namespace {

TEST(ProcessUsageTest, SamplesThisProcess) {
  const ProcessSample before = SampleProcess(getpid());
  // Touch some memory and burn a little CPU so that both can only grow.
  std::vector<char> block(8 << 20, 1);
  volatile unsigned sum = 0;
  for (int round = 0; round < 20; ++round) {
    for (char c : block) {
      sum = sum + static_cast<unsigned>(c);
    }
  }
  const ProcessSample after = SampleProcess(getpid());

  ASSERT_TRUE(before.cpu_seconds.has_value());
  ASSERT_TRUE(after.cpu_seconds.has_value());
  EXPECT_GE(*after.cpu_seconds, *before.cpu_seconds);
  ASSERT_TRUE(after.rss_bytes.has_value());
  ASSERT_TRUE(after.peak_rss_bytes.has_value());
  // The 8 MiB block is resident.
  EXPECT_GE(*after.rss_bytes, 8U << 20);
  EXPECT_GE(*after.peak_rss_bytes, *after.rss_bytes);
}

TEST(ProcessUsageTest, AProcessThatCannotBeReadGivesNothing) {
  // Above the kernel's largest pid (4194304).
  const ProcessSample sample = SampleProcess(99999999);
  EXPECT_FALSE(sample.cpu_seconds.has_value());
  EXPECT_FALSE(sample.rss_bytes.has_value());
  EXPECT_FALSE(UsageOver("server", sample, sample, 10).has_value());
}

TEST(ProcessUsageTest, UsageIsTheDifferencePerCallAndTheMemoryAtTheEnd) {
  const ProcessSample before{.cpu_seconds = 2.0, .rss_bytes = 10 << 20, .peak_rss_bytes = 12 << 20};
  const ProcessSample after{.cpu_seconds = 3.5, .rss_bytes = 30 << 20, .peak_rss_bytes = 40 << 20};
  const std::optional<ProcessUsage> usage = UsageOver("redis", before, after, 5000);
  ASSERT_TRUE(usage.has_value());
  EXPECT_EQ(usage->name, "redis");
  EXPECT_DOUBLE_EQ(usage->cpu_seconds, 1.5);
  EXPECT_DOUBLE_EQ(usage->cpu_us_per_call, 300);
  EXPECT_EQ(usage->rss_bytes, 30U << 20);
  EXPECT_EQ(usage->peak_rss_bytes, 40U << 20);
}

TEST(ProcessUsageTest, NoAnswersMeansNoPerCallFigure) {
  ProcessSample before;
  before.cpu_seconds = 1.0;
  ProcessSample after;
  after.cpu_seconds = 1.25;
  const std::optional<ProcessUsage> usage = UsageOver("server", before, after, 0);
  ASSERT_TRUE(usage.has_value());
  EXPECT_DOUBLE_EQ(usage->cpu_seconds, 0.25);
  EXPECT_EQ(usage->cpu_us_per_call, 0);
  EXPECT_EQ(usage->rss_bytes, 0U);
}

}  // namespace
}  // namespace moderation::loadgen
