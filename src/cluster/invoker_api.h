// InvokerApi: the operations the CLI and the API server offer — register, list, describe,
// query and unregister datasets — as jobs of tasks run through an invoker, answered in
// Funnel Rocket's response JSON.
//
// A job either completes or fails as a whole: a query whose part failed or vanished fails,
// naming the part; it never returns an answer missing a part.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cluster/datastore.h"
#include "cluster/invoker.h"
#include "dataset/registration.h"

namespace frocket::cluster {

struct JobStatsInput;

struct UnregisterResult {
  bool found = false;
  std::optional<double> last_used;
};

// A query checked against its dataset, ready to run: NotFound or Invalid before any task
// starts, so that a server can answer such errors with their own status codes.
struct PreparedQuery {
  std::string request_id;
  double start = 0;  // NowSeconds() when the request arrived
  StoredDataset dataset;
  nlohmann::json expanded;  // the validated query, defaults explicit
  query::Query query;       // the same, parsed (for the answer's warnings)
  std::vector<std::string> columns;
  int64_t exact_limit = 0;
};

// What a finished job did, for metrics.
struct JobReport {
  const char* type = "query";  // "query" or "register"
  std::string dataset;
  bool success = false;
  double total_seconds = 0;
  InvokerTimes invoker;
  std::vector<TaskMetrics> tasks;  // the attempts that succeeded
  int64_t failed_tasks = 0;
};
using JobListener = std::function<void(const JobReport&)>;

class InvokerApi {
 public:
  // From the FROCKET_* configuration: datastore, invoker, memory cache.
  static Result<std::unique_ptr<InvokerApi>> Create();

  // Each returns the full response: {"success": ..., "requestId", ...} with "errorMessage"
  // when success is false.
  nlohmann::ordered_json Register(const dataset::RegisterArgs& args,
                                  const ProgressCallback& progress = {});
  nlohmann::ordered_json Query(const std::string& dataset, const nlohmann::json& query,
                               const ProgressCallback& progress = {});
  // Query text that may not even be JSON; malformed JSON fails like an invalid query.
  nlohmann::ordered_json QueryText(const std::string& dataset, const std::string& query,
                                   const ProgressCallback& progress = {});
  nlohmann::ordered_json Unregister(const std::string& dataset, bool force);

  // Query() in two steps: checks (the dataset exists, the query is valid), then runs.
  Result<PreparedQuery> PrepareQuery(const std::string& dataset, const nlohmann::json& query);
  nlohmann::ordered_json RunQuery(const PreparedQuery& query,
                                  const ProgressCallback& progress = {});

  // Called when each job ends, from the thread that ran it. Set before any job runs.
  void set_job_listener(JobListener listener) { job_listener_ = std::move(listener); }

  Result<std::vector<dataset::DatasetInfo>> ListDatasets();
  // NotFound when there is no such dataset.
  Result<StoredDataset> GetDataset(const std::string& name);

  Datastore& datastore() { return *datastore_; }
  Invoker& invoker() { return *invoker_; }

 private:
  void Report(const char* type, const std::string& dataset, bool success,
              const JobStatsInput& stats);

  InvokerApi(std::unique_ptr<Datastore> datastore, std::unique_ptr<Invoker> invoker)
      : datastore_(std::move(datastore)), invoker_(std::move(invoker)) {}

  std::unique_ptr<Datastore> datastore_;
  std::unique_ptr<Invoker> invoker_;
  JobListener job_listener_;
};

// "1611096132-891c0cb0": unix seconds and 8 random hex digits, as Funnel Rocket's.
std::string NewRequestId();

}  // namespace frocket::cluster
