// Service: what a user can ask — register, list, describe, query and unregister datasets —
// the one pipeline the CLI and the HTTP server both call. Register and query are jobs: one
// task per part, run through an invoker (cluster/invoker.h) by PartRunner wherever the
// invoker runs them. Each job ends in an Outcome, which Response() (service/response.h)
// turns into Funnel Rocket's response JSON.
//
// A job either completes or fails as a whole: a query whose part failed or vanished fails,
// naming the part; it never returns an answer missing a part.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cluster/datastore.h"
#include "cluster/invoker.h"
#include "dataset/registration.h"
#include "service/job_stats.h"
#include "service/query_pipeline.h"

namespace frocket::service {

// How a job ended: its request id, the stats of the tasks it ran (none when it failed before
// any), and its value or why it failed.
template <typename T>
struct Outcome {
  std::string request_id;
  Result<T> value = Status::IOError("the job did not run");
  std::optional<nlohmann::ordered_json> stats;
  // What the caller should know of a job that succeeded (a registration: what it did not check).
  std::vector<std::string> warnings;
};

struct Unregistered {
  bool registered = false;  // the dataset was registered when asked
  bool found = false;       // and it was removed
  std::optional<double> last_used;
  // Not removed: the dataset was queried too recently (FROCKET_UNREGISTER_LAST_USED_INTERVAL).
  std::optional<std::string> refusal;
};

using QueryOutcome = Outcome<QueryAnswer>;
using RegisterOutcome = Outcome<dataset::DatasetInfo>;
using UnregisterOutcome = Outcome<Unregistered>;

// A query checked against its dataset, ready to run: NotFound or Invalid before any task
// starts, so that a server can answer such errors with their own status codes.
struct QueryJob {
  std::string request_id;
  double start = 0;  // NowSeconds() when the request arrived
  cluster::StoredDataset dataset;
  PreparedQuery prepared;
};

// What a finished job did, for metrics.
struct JobReport {
  const char* type = "query";  // "query" or "register"
  std::string dataset;
  bool success = false;
  double total_seconds = 0;
  cluster::InvokerTimes invoker;
  std::vector<cluster::TaskMetrics> tasks;  // the attempts that succeeded
  int64_t failed_tasks = 0;
};
using JobListener = std::function<void(const JobReport&)>;

class Service {
 public:
  // What a Service keeps between queries: decoded parts in a memory cache (for a process that
  // answers many), or nothing (for one that answers one query: the memory of a part done is
  // reused by the next, instead of fresh pages the kernel must zero).
  enum class Keep { kParts, kNothing };

  // From the FROCKET_* configuration: datastore, invoker, memory cache.
  static Result<std::unique_ptr<Service>> Create(Keep keep = Keep::kParts);

  RegisterOutcome Register(const dataset::RegisterArgs& args,
                           const cluster::ProgressCallback& progress = {});
  // Query text that may not even be JSON: malformed JSON fails like an invalid query.
  QueryOutcome Query(const std::string& dataset, const std::string& query_text,
                     const cluster::ProgressCallback& progress = {});
  UnregisterOutcome Unregister(const std::string& dataset, bool force);

  // A query in two steps: checks (the dataset exists, the query is valid), then runs.
  Result<QueryJob> PrepareQuery(const std::string& dataset, const nlohmann::json& query);
  QueryOutcome RunQuery(const QueryJob& job, const cluster::ProgressCallback& progress = {});

  // Called when each job ends, from the thread that ran it. Set before any job runs.
  void set_job_listener(JobListener listener) { job_listener_ = std::move(listener); }

  Result<std::vector<dataset::DatasetInfo>> ListDatasets();
  // NotFound when there is no such dataset.
  Result<cluster::StoredDataset> GetDataset(const std::string& name);

  cluster::Datastore& datastore() { return *datastore_; }

 private:
  Service(std::unique_ptr<cluster::Datastore> datastore, std::unique_ptr<cluster::Invoker> invoker)
      : datastore_(std::move(datastore)), invoker_(std::move(invoker)) {}

  void Report(const char* type, const std::string& dataset, bool success,
              const JobStatsInput& stats);
  // Registration's steps (service_register.cc).
  Result<dataset::PartsInfo> DiscoverParts(const std::string& basepath, const std::string& pattern);
  Result<cluster::StoredDataset> InspectAndMerge(const dataset::RegisterArgs& args,
                                                 cluster::StoredDataset stored,
                                                 const std::string& request_id, double start,
                                                 const cluster::ProgressCallback& progress,
                                                 std::optional<JobStatsInput>* stats_input,
                                                 std::vector<std::string>* warnings);

  std::unique_ptr<cluster::Datastore> datastore_;
  std::unique_ptr<cluster::Invoker> invoker_;
  JobListener job_listener_;
};

// "1611096132-891c0cb0": unix seconds and 8 random hex digits, as Funnel Rocket's.
std::string NewRequestId();

}  // namespace frocket::service
