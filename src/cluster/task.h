// The task contract between invokers and workers: one task per dataset part, what it is
// asked to do, and what it reports back. The local invoker passes these in memory; cluster
// workers receive and return them as JSON.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dataset/dataset.h"
#include "dataset/registration.h"
#include "engine/part_result.h"
#include "storage/object_store.h"

namespace frocket::cluster {

// A task attempt's life, as Funnel Rocket names it.
enum class TaskStatus {
  kQueued,
  kLoadingData,
  kRunningQuery,
  kRunning,
  kEndedSuccess,
  kEndedFailed
};
const char* TaskStatusName(TaskStatus status);
// The status a name names; nullopt for none.
std::optional<TaskStatus> TaskStatusFromName(std::string_view name);

using StatusCallback = std::function<void(TaskStatus)>;

// Where a task's data came from.
enum class LoadSource { kSource, kMemoryCache, kDiskCache, kTranscodedCache };
const char* LoadSourceName(LoadSource source);

struct TaskMetrics {
  double invoke_latency = 0;  // seconds from the job's start to the task's start
  double load_seconds = 0;
  double total_seconds = 0;
  double finished_at = 0;  // seconds from the job's start
  int64_t scanned_rows = 0;
  int64_t scanned_groups = 0;
  int64_t bytes_read = 0;     // from the part's file, the disk cache or the network
  int64_t network_bytes = 0;  // of which fetched over the network
  LoadSource load_from = LoadSource::kSource;
  bool warm = true;  // the worker process was already running (always, outside Lambda)
  // Lambda instances only (0 elsewhere): the INIT phase of a cold instance, the invocation's
  // billed duration (its run so far, plus that INIT phase, rounded up to 1 ms) and the
  // function's memory size.
  double init_seconds = 0;
  int64_t billed_ms = 0;
  int64_t memory_mb = 0;
  double cost_dollars = 0;  // set by the invoker that paid for it (Lambda)
};

struct QueryTaskRequest {
  std::string request_id;
  size_t task_index = 0;
  int attempt = 0;
  dataset::DatasetInfo dataset;
  std::string part_path;
  // As registered: a part changed since fails. Unset: not checked (a part not registered).
  std::optional<ObjectVersion> part_version;
  std::vector<std::string> used_columns;  // with the group id and timestamp columns
  // The registered type of each used column: the part must still have it.
  std::map<std::string, ColumnType> column_types;
  nlohmann::json query;  // the expanded query
  int64_t exact_limit = 100000;
};

struct QueryTaskResult {
  Status status = Status::IOError("the task did not run");
  engine::PartResult result;
  TaskMetrics metrics;
};

struct RegistrationTaskRequest {
  std::string request_id;
  size_t task_index = 0;
  int attempt = 0;
  std::string part_path;
  std::string group_id_column;
  std::string timestamp_column;
  bool return_group_ids = true;
  dataset::InspectionSettings settings;
};

struct RegistrationTaskResult {
  Status status = Status::IOError("the task did not run");
  dataset::PartInspection inspection;
  TaskMetrics metrics;
};

}  // namespace frocket::cluster
