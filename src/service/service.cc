#include "service/service.h"

#include <cstdio>
#include <random>

#include "common/clock.h"
#include "common/config.h"
#include "common/json_parse.h"
#include "common/log.h"
#include "common/random.h"
#include "service/part_runner.h"

namespace frocket::service {

std::string NewRequestId() {
  static thread_local std::mt19937_64 rng(RandomSeed());
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%lld-%08x", static_cast<long long>(NowSeconds()),
                static_cast<unsigned>(rng() & 0xffffffffu));
  return buf;
}

Result<std::unique_ptr<Service>> Service::Create(Keep keep) {
  FROCKET_ASSIGN_OR_RETURN(auto datastore, cluster::OpenDatastore());
  FROCKET_ASSIGN_OR_RETURN(auto runner, PartRunner::FromConfig(keep == Keep::kParts));
  FROCKET_ASSIGN_OR_RETURN(auto invoker, cluster::CreateInvoker(std::move(runner)));
  return std::unique_ptr<Service>(new Service(std::move(datastore), std::move(invoker)));
}

Result<std::vector<dataset::DatasetInfo>> Service::ListDatasets() {
  return datastore_->ListDatasets();
}

Result<cluster::StoredDataset> Service::GetDataset(const std::string& name) {
  FROCKET_ASSIGN_OR_RETURN(auto stored, datastore_->LoadDataset(name));
  if (!stored) return Status::NotFound("dataset '" + name + "' not found");
  return std::move(*stored);
}

QueryOutcome Service::Query(const std::string& dataset, const std::string& query_text,
                            const cluster::ProgressCallback& progress) {
  auto parsed = ParseJson(query_text);
  Result<QueryJob> job = parsed.ok()
                             ? PrepareQuery(dataset, *parsed)
                             : Status::Invalid("malformed JSON: " + parsed.status().message());
  if (job.ok()) return RunQuery(*job, progress);
  QueryOutcome outcome;
  outcome.request_id = NewRequestId();
  const bool invalid = job.status().code() == StatusCode::kInvalid;
  outcome.value =
      invalid ? Status::Invalid("invalid query: " + job.status().message()) : job.status();
  return outcome;
}

Result<QueryJob> Service::PrepareQuery(const std::string& dataset, const nlohmann::json& query) {
  QueryJob job;
  job.request_id = NewRequestId();
  job.start = NowSeconds();
  FROCKET_ASSIGN_OR_RETURN(job.dataset, GetDataset(dataset));
  FROCKET_ASSIGN_OR_RETURN(QuerySettings settings, QuerySettings::FromConfig());
  FROCKET_ASSIGN_OR_RETURN(job.prepared,
                           service::PrepareQuery(query, job.dataset.schema.ForQueries(), settings));
  return job;
}

namespace {

// The tasks of a query job: one per part, each with the registered version of its part and
// types of the columns it uses.
std::vector<cluster::QueryTaskRequest> QueryTasks(const QueryJob& job,
                                                  const std::vector<std::string>& paths) {
  const cluster::StoredDataset& stored = job.dataset;
  std::vector<cluster::QueryTaskRequest> requests(paths.size());
  for (size_t i = 0; i < paths.size(); ++i) {
    cluster::QueryTaskRequest& request = requests[i];
    request.request_id = job.request_id;
    request.task_index = i;
    request.dataset = stored.info;
    request.part_path = paths[i];
    request.part_version.emplace();
    request.part_version->size = static_cast<uint64_t>(stored.parts.sizes[i]);
    if (!stored.parts.versions.empty()) request.part_version->tag = stored.parts.versions[i];
    request.used_columns = job.prepared.columns;
    for (const std::string& column : job.prepared.columns) {
      if (const dataset::ColumnInfo* c = stored.schema.Find(column)) {
        request.column_types[column] = c->type;
      }
    }
    request.query = job.prepared.expanded;
    request.exact_limit = job.prepared.exact_limit;
  }
  return requests;
}

}  // namespace

QueryOutcome Service::RunQuery(const QueryJob& job, const cluster::ProgressCallback& progress) {
  const std::string& dataset = job.dataset.info.id.name;
  const std::vector<std::string> paths = job.dataset.parts.FullPaths(job.dataset.info.basepath);
  if (progress) progress({"Starting " + std::to_string(paths.size()) + " tasks", "STARTING", {}});
  std::vector<cluster::QueryTaskResult> results;
  cluster::JobRun run = invoker_->RunQueries(QueryTasks(job, paths), job.start, progress, &results);

  JobStatsInput stats =
      JobStatsInput::Of(run, static_cast<int64_t>(paths.size()), static_cast<int64_t>(paths.size()),
                        job.dataset.parts.total_size);
  std::optional<engine::PartResult> merged;
  Status status = run.status;
  for (size_t i = 0; i < results.size(); ++i) {
    if (!results[i].status.ok()) {
      if (status.ok()) status = results[i].status.WithContext("part " + paths[i] + " failed");
      continue;
    }
    stats.successful.push_back(results[i].metrics);
    if (Status s = MergeInto(&merged, std::move(results[i].result)); status.ok()) status = s;
  }
  QueryOutcome outcome;
  outcome.request_id = job.request_id;
  if (status.ok() && !merged) status = Status::IOError("the dataset has no parts");
  // The answer is built before the clock stops: with large aggregations it is real work.
  if (status.ok()) {
    outcome.value = Answer(*merged, job.prepared.query);
  } else {
    outcome.value = status;
  }
  stats.total_seconds = NowSeconds() - job.start;
  outcome.stats = JobStatsJson(stats);
  Report("query", dataset, status.ok(), stats);
  if (!status.ok()) {
    log::Warning("query", "query on '" + dataset + "' failed: " + status.message());
    return outcome;
  }
  if (Status s = datastore_->SetLastUsed(dataset, NowSeconds()); !s.ok()) {
    log::Warning("query", "cannot record the last use of '" + dataset + "': " + s.message());
  }
  log::Info("query", "query on '" + dataset + "' completed: " + std::to_string(paths.size()) +
                         " tasks in " + std::to_string(stats.total_seconds) + " s");
  if (progress) progress({"Done", "DONE", {}});
  return outcome;
}

void Service::Report(const char* type, const std::string& dataset, bool success,
                     const JobStatsInput& stats) {
  if (!job_listener_) return;
  JobReport report;
  report.type = type;
  report.dataset = dataset;
  report.success = success;
  report.total_seconds = stats.total_seconds;
  report.invoker = stats.invoker;
  report.tasks = stats.successful;
  report.failed_tasks = stats.failed_tasks;
  job_listener_(report);
}

UnregisterOutcome Service::Unregister(const std::string& name, bool force) {
  UnregisterOutcome outcome;
  outcome.request_id = NewRequestId();
  auto unregister = [&]() -> Result<Unregistered> {
    FROCKET_ASSIGN_OR_RETURN(auto info, datastore_->GetDataset(name));
    Unregistered result;
    if (!info) return result;
    result.registered = true;
    FROCKET_ASSIGN_OR_RETURN(result.last_used, datastore_->GetLastUsed(name));
    FROCKET_ASSIGN_OR_RETURN(int64_t interval,
                             Config::Int("FROCKET_UNREGISTER_LAST_USED_INTERVAL", 0));
    const double now = NowSeconds();
    if (!force && result.last_used && now - *result.last_used < static_cast<double>(interval)) {
      result.found = true;
      result.refusal = "dataset '" + name + "' was queried " +
                       std::to_string(static_cast<int64_t>(now - *result.last_used)) +
                       " seconds ago, less than FROCKET_UNREGISTER_LAST_USED_INTERVAL (" +
                       std::to_string(interval) +
                       " s); a query may still be running. Unregister with --force (CLI) or "
                       "?force=true (HTTP API) anyway";
      return result;
    }
    FROCKET_ASSIGN_OR_RETURN(result.found, datastore_->RemoveDataset(name));
    invoker_->ForgetDataset(name);
    return result;
  };
  outcome.value = unregister();
  return outcome;
}

}  // namespace frocket::service
