#include "common/machine.h"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <thread>

namespace frocket::machine {

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  return s;
}

std::optional<int64_t> ParseInt(std::string_view s) {
  s = Trim(s);
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::optional<std::string> ReadSmallFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Calls f with the group's directory and each of its ancestors' up to the hierarchy's root:
// a limit set anywhere above applies too.
template <typename F>
void ForEachLevel(const std::string& root, std::string path, F f) {
  while (true) {
    f(root + path);
    if (path.empty() || path == "/") return;
    const size_t slash = path.rfind('/');
    path = slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
  }
}

std::optional<CgroupPath> SelfCgroup(std::string_view controller) {
  const auto text = ReadSmallFile("/proc/self/cgroup");
  if (!text) return std::nullopt;
  return FindCgroup(*text, controller);
}

// Where the hierarchy is mounted: v2 at /sys/fs/cgroup (or /sys/fs/cgroup/unified beside v1
// controllers), v1 per controller.
std::string Root(const CgroupPath& group, std::string_view controller) {
  if (!group.v2) return "/sys/fs/cgroup/" + std::string(controller);
  return ::access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0 ? "/sys/fs/cgroup"
                                                                  : "/sys/fs/cgroup/unified";
}

template <typename T>
void KeepSmaller(std::optional<T>* current, std::optional<T> found) {
  if (found && (!*current || *found < **current)) *current = found;
}

}  // namespace

std::optional<uint64_t> ParseMemoryLimit(std::string_view text) {
  text = Trim(text);
  if (text == "max") return std::nullopt;
  const auto v = ParseInt(text);
  if (!v || *v <= 0 || static_cast<uint64_t>(*v) >= (uint64_t{1} << 62)) return std::nullopt;
  return static_cast<uint64_t>(*v);
}

std::optional<double> ParseCfsQuota(std::string_view quota, std::string_view period) {
  const auto q = ParseInt(quota);
  const auto p = ParseInt(period);
  if (!q || !p || *q <= 0 || *p <= 0) return std::nullopt;
  return static_cast<double>(*q) / static_cast<double>(*p);
}

std::optional<double> ParseCpuMax(std::string_view text) {
  text = Trim(text);
  const size_t space = text.find(' ');
  if (space == std::string_view::npos || text.substr(0, space) == "max") return std::nullopt;
  return ParseCfsQuota(text.substr(0, space), text.substr(space + 1));
}

std::optional<CgroupPath> FindCgroup(std::string_view text, std::string_view controller) {
  std::optional<CgroupPath> v2;
  while (!text.empty()) {
    const size_t newline = text.find('\n');
    const std::string_view line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
    // "ID:CONTROLLERS:PATH", CONTROLLERS comma-separated (v1) or empty with ID 0 (v2).
    const size_t a = line.find(':');
    const size_t b = a == std::string_view::npos ? a : line.find(':', a + 1);
    if (b == std::string_view::npos) continue;
    std::string_view controllers = line.substr(a + 1, b - a - 1);
    const std::string path(line.substr(b + 1));
    if (controllers.empty()) {
      if (line.substr(0, a) == "0") v2 = CgroupPath{path, true};
      continue;
    }
    while (!controllers.empty()) {
      const size_t comma = controllers.find(',');
      if (controllers.substr(0, comma) == controller) return CgroupPath{path, false};
      controllers =
          comma == std::string_view::npos ? std::string_view() : controllers.substr(comma + 1);
    }
  }
  return v2;
}

unsigned UsableCores() {
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  cpu_set_t set;
  if (::sched_getaffinity(0, sizeof(set), &set) == 0) {
    cores = static_cast<unsigned>(std::max(1, CPU_COUNT(&set)));
  }
  const auto group = SelfCgroup("cpu");
  if (!group) return cores;
  std::optional<double> quota;
  ForEachLevel(Root(*group, "cpu"), group->path, [&](const std::string& dir) {
    if (group->v2) {
      if (const auto text = ReadSmallFile(dir + "/cpu.max"))
        KeepSmaller(&quota, ParseCpuMax(*text));
    } else {
      const auto q = ReadSmallFile(dir + "/cpu.cfs_quota_us");
      const auto p = ReadSmallFile(dir + "/cpu.cfs_period_us");
      if (q && p) KeepSmaller(&quota, ParseCfsQuota(*q, *p));
    }
  });
  if (quota) cores = std::min(cores, std::max(1u, static_cast<unsigned>(std::ceil(*quota))));
  return cores;
}

uint64_t UsableMemory() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page = ::sysconf(_SC_PAGE_SIZE);
  std::optional<uint64_t> memory;
  if (pages > 0 && page > 0) memory = static_cast<uint64_t>(pages) * static_cast<uint64_t>(page);
  if (const auto group = SelfCgroup("memory")) {
    const char* file = group->v2 ? "/memory.max" : "/memory.limit_in_bytes";
    ForEachLevel(Root(*group, "memory"), group->path, [&](const std::string& dir) {
      if (const auto text = ReadSmallFile(dir + file))
        KeepSmaller(&memory, ParseMemoryLimit(*text));
    });
  }
  return memory.value_or(uint64_t{8} << 30);
}

}  // namespace frocket::machine
