// What this process may use of the machine: its cores and memory, within the limits of the
// container it runs in (Linux control groups, v2 or v1) — a container on a 64-core host with 2
// CPUs' quota should run 2 threads, not 64, and size its buffers from its own memory limit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace frocket::machine {

// The CPUs this process may run on (its affinity), at most its control group's CPU quota
// rounded up; at least 1.
unsigned UsableCores();
// Physical memory, at most the smallest memory limit of this process's control group and
// its ancestors.
uint64_t UsableMemory();

// The parsers, for tests: a cgroup v2 `memory.max` ("max" or bytes) or v1
// `memory.limit_in_bytes` (bytes; 2^62 and more means none); a v2 `cpu.max` ("max 100000" or
// "QUOTA PERIOD") or v1 `cpu.cfs_quota_us` and `cpu.cfs_period_us` (-1: none), as CPUs.
std::optional<uint64_t> ParseMemoryLimit(std::string_view text);
std::optional<double> ParseCpuMax(std::string_view text);
std::optional<double> ParseCfsQuota(std::string_view quota, std::string_view period);
// The control group path of `controller` ("memory", "cpu") in /proc/self/cgroup's text: the
// v1 line naming it, else the v2 ("0::") line; nullopt if neither.
struct CgroupPath {
  std::string path;
  bool v2 = false;
};
std::optional<CgroupPath> FindCgroup(std::string_view proc_self_cgroup,
                                     std::string_view controller);

}  // namespace frocket::machine
