// Cores and memory within a container's control-group limits (common/machine.h): the files'
// formats as the kernel documents them (cgroup-v2.rst, cgroup-v1 memory.rst and
// sched-bwc.rst), and this machine's own answers against what the OS reports.
#include "common/machine.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include <thread>

namespace frocket::machine {
namespace {

TEST(Machine, MemoryLimitsParse) {
  EXPECT_EQ(ParseMemoryLimit("max\n"), std::nullopt);                  // v2: no limit
  EXPECT_EQ(ParseMemoryLimit("1073741824\n"), uint64_t{1} << 30);      // v2 and v1: bytes
  EXPECT_EQ(ParseMemoryLimit("9223372036854771712\n"), std::nullopt);  // v1: no limit
  EXPECT_EQ(ParseMemoryLimit(""), std::nullopt);
  EXPECT_EQ(ParseMemoryLimit("12k"), std::nullopt);
}

TEST(Machine, CpuQuotasParse) {
  EXPECT_EQ(ParseCpuMax("max 100000\n"), std::nullopt);
  EXPECT_EQ(ParseCpuMax("150000 100000\n"), 1.5);
  EXPECT_EQ(ParseCpuMax("200000\n"), std::nullopt);
  EXPECT_EQ(ParseCfsQuota("-1\n", "100000\n"), std::nullopt);
  EXPECT_EQ(ParseCfsQuota("50000\n", "100000\n"), 0.5);
}

TEST(Machine, TheControlGroupOfAController) {
  // A hybrid host: v1 controllers beside the unified hierarchy.
  const std::string hybrid =
      "9:name=systemd:/\n4:memory:/process_api/36957b\n2:cpu,cpuacct:/box\n0::/\n";
  EXPECT_EQ(FindCgroup(hybrid, "memory")->path, "/process_api/36957b");
  EXPECT_FALSE(FindCgroup(hybrid, "memory")->v2);
  EXPECT_EQ(FindCgroup(hybrid, "cpu")->path, "/box");
  EXPECT_EQ(FindCgroup(hybrid, "cpuacct")->path, "/box");
  EXPECT_TRUE(FindCgroup(hybrid, "pids")->v2);  // not a v1 one here: the unified line
  // v2 only.
  const auto v2 = FindCgroup("0::/system.slice/frocket.service\n", "memory");
  ASSERT_TRUE(v2);
  EXPECT_EQ(v2->path, "/system.slice/frocket.service");
  EXPECT_TRUE(v2->v2);
  EXPECT_FALSE(FindCgroup("garbage\n", "memory").has_value());
}

TEST(Machine, ThisMachinesCoresAndMemoryAreWithinWhatTheOsReports) {
  cpu_set_t set;
  ASSERT_EQ(::sched_getaffinity(0, sizeof(set), &set), 0);
  const unsigned cores = UsableCores();
  EXPECT_GE(cores, 1u);
  EXPECT_LE(cores, static_cast<unsigned>(CPU_COUNT(&set)));
  const uint64_t physical = static_cast<uint64_t>(::sysconf(_SC_PHYS_PAGES)) *
                            static_cast<uint64_t>(::sysconf(_SC_PAGE_SIZE));
  EXPECT_GT(UsableMemory(), 0u);
  EXPECT_LE(UsableMemory(), physical);
}

}  // namespace
}  // namespace frocket::machine
