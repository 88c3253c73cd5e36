#include "service/job_stats.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "common/config.h"
#include "common/text.h"

namespace frocket::service {

using cluster::LoadSourceName;

namespace {

// Below these sample counts Funnel Rocket reports the median only, or drops the 99th.
constexpr size_t kMinSamplesForPercentiles = 20;
constexpr size_t kMinSamplesFor99th = 100;
// taskSuccessOverTime's time slots.
constexpr double kSlotSeconds = 0.25;

// Linear interpolation between closest ranks (what pandas' describe() does).
double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.size() == 1) return sorted[0];
  double rank = p * static_cast<double>(sorted.size() - 1);
  auto lo = static_cast<size_t>(std::floor(rank));
  size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - static_cast<double>(lo));
}

std::string PercentLabel(double p) {
  double pct = p * 100;
  std::string s;
  if (pct == std::floor(pct)) {
    s = std::to_string(static_cast<int64_t>(pct));
  } else {
    text::AppendDouble(&s, pct);
  }
  return s + "%";
}

nlohmann::ordered_json Timing(std::vector<double> values, const std::vector<double>& percentiles) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  if (values.empty()) return j;
  std::sort(values.begin(), values.end());
  double sum = 0;
  for (double v : values) sum += v;
  j["mean"] = sum / static_cast<double>(values.size());
  j["min"] = values.front();
  std::vector<double> wanted;
  if (values.size() < kMinSamplesForPercentiles) {
    wanted = {0.5};
  } else {
    for (double p : percentiles) {
      if (p >= 0.99 && values.size() < kMinSamplesFor99th) continue;
      wanted.push_back(p);
    }
  }
  for (double p : wanted) j[PercentLabel(p)] = Percentile(values, p);
  j["max"] = values.back();
  return j;
}

}  // namespace

JobStatsInput JobStatsInput::Of(const cluster::JobRun& run, int64_t total_tasks,
                                int64_t dataset_parts, int64_t dataset_size) {
  JobStatsInput input;
  input.invoker = run.times;
  input.retried_tasks = run.retried_tasks;
  input.lost_tasks = run.lost_tasks;
  input.failed_tasks = run.failed_attempts;
  input.cost_dollars = run.cost_dollars;
  input.total_tasks = total_tasks;
  input.dataset_parts = dataset_parts;
  input.dataset_size = dataset_size;
  if (auto p = TimingPercentilesFromConfig(); p.ok()) input.percentiles = *p;
  return input;
}

nlohmann::ordered_json JobStatsJson(const JobStatsInput& in) {
  nlohmann::ordered_json stats;
  stats["totalTime"] = in.total_seconds;
  if (in.cost_dollars) stats["cost"] = *in.cost_dollars;

  std::map<double, int64_t> over_time;
  for (const auto& m : in.successful) {
    double slot = std::ceil(m.finished_at / kSlotSeconds) * kSlotSeconds;
    ++over_time[std::max(slot, kSlotSeconds)];
  }
  nlohmann::ordered_json success_over_time = nlohmann::ordered_json::object();
  for (const auto& [slot, n] : over_time) {
    std::string key;
    text::AppendDouble(&key, slot);
    success_over_time[key] = n;
  }
  nlohmann::ordered_json invoker;
  invoker["enqueueTime"] = in.invoker.enqueue_seconds;
  invoker["pollTime"] = in.invoker.poll_seconds;
  invoker["totalTasks"] = in.total_tasks;
  invoker["failedTasks"] = in.failed_tasks;
  invoker["retriedTasks"] = in.retried_tasks;
  invoker["lostTasks"] = in.lost_tasks;
  invoker["taskSuccessOverTime"] = std::move(success_over_time);
  stats["invoker"] = std::move(invoker);

  nlohmann::ordered_json worker;
  int64_t warm = 0, rows = 0, groups = 0;
  std::map<std::string, int64_t> cache = {
      {"source", 0}, {"memoryCache", 0}, {"diskCache", 0}, {"transcodedCache", 0}};
  std::vector<double> latency, load, total, init;
  for (const auto& m : in.successful) {
    warm += m.warm;
    if (!m.warm && m.init_seconds > 0) init.push_back(m.init_seconds);
    rows += m.scanned_rows;
    groups += m.scanned_groups;
    ++cache[LoadSourceName(m.load_from)];
    latency.push_back(m.invoke_latency);
    load.push_back(m.load_seconds);
    total.push_back(m.total_seconds);
  }
  worker["coldTasks"] = static_cast<int64_t>(in.successful.size()) - warm;
  worker["warmTasks"] = warm;
  // Lambda: the INIT phase of the cold instances (frocket's own field).
  if (!init.empty()) worker["initTime"] = Timing(init, in.percentiles);
  worker["invokeLatency"] = Timing(latency, in.percentiles);
  worker["loadTime"] = Timing(load, in.percentiles);
  worker["totalTime"] = Timing(total, in.percentiles);
  worker["scannedRows"] = rows;
  worker["scannedGroups"] = groups;
  // transcodedCache: frocket's own tier (parts in its own layout on local disk).
  worker["cache"] = {{"source", cache["source"]},
                     {"memoryCache", cache["memoryCache"]},
                     {"diskCache", cache["diskCache"]},
                     {"transcodedCache", cache["transcodedCache"]}};
  stats["worker"] = std::move(worker);

  if (in.dataset_parts) {
    stats["dataset"] = {{"parts", *in.dataset_parts}, {"totalSize", in.dataset_size.value_or(0)}};
  }
  return stats;
}

Result<std::vector<double>> TimingPercentilesFromConfig() {
  std::string text = Config::Get("FROCKET_STATS_TIMING_PERCENTILES");
  std::vector<double> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    char* end = nullptr;
    double p = std::strtod(item.c_str(), &end);
    while (end != nullptr && *end == ' ') ++end;
    if (end == item.c_str() || (end != nullptr && *end != '\0') || p <= 0 || p >= 1) {
      return Status::Invalid("FROCKET_STATS_TIMING_PERCENTILES=" + text +
                             ": expected numbers between 0 and 1, separated by commas");
    }
    out.push_back(p);
  }
  return out;
}

}  // namespace frocket::service
