// JobStats: Funnel Rocket's "stats" object of a job's response — total time, the invoker's
// timings and task counts, the workers' timings (percentiles), rows and groups scanned, where
// parts were loaded from, and the dataset's size.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "cluster/invoker.h"
#include "cluster/task.h"

namespace frocket::service {

struct JobStatsInput {
  double total_seconds = 0;
  cluster::InvokerTimes invoker;
  int64_t total_tasks = 0;
  int64_t failed_tasks = 0;
  int64_t retried_tasks = 0;
  int64_t lost_tasks = 0;
  std::vector<cluster::TaskMetrics> successful;  // metrics of the successful attempts
  std::optional<double> cost_dollars;            // the Lambda invoker's
  std::optional<int64_t> dataset_parts;
  std::optional<int64_t> dataset_size;
  std::vector<double> percentiles = {0.25, 0.5, 0.75, 0.95,
                                     0.99};  // FROCKET_STATS_TIMING_PERCENTILES

  // A job's run of total_tasks tasks over a dataset of dataset_parts parts and dataset_size
  // bytes, with the percentiles FROCKET_STATS_TIMING_PERCENTILES names.
  static JobStatsInput Of(const cluster::JobRun& run, int64_t total_tasks, int64_t dataset_parts,
                          int64_t dataset_size);
};

nlohmann::ordered_json JobStatsJson(const JobStatsInput& input);

// FROCKET_STATS_TIMING_PERCENTILES parsed ("0.25, 0.5, ...").
Result<std::vector<double>> TimingPercentilesFromConfig();

}  // namespace frocket::service
