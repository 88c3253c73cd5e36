#include "cluster/invoker_api.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>
#include <thread>

#include "cluster/job_stats.h"
#include "cluster/worker.h"
#include "common/config.h"
#include "common/json_text.h"
#include "common/log.h"
#include "common/text.h"
#include "query/query_parser.h"
#include "storage/object_store.h"

namespace frocket::cluster {

namespace {

nlohmann::ordered_json Failure(const std::string& request_id, const std::string& message,
                               std::optional<nlohmann::ordered_json> stats = std::nullopt) {
  nlohmann::ordered_json j;
  j["success"] = false;
  j["errorMessage"] = message;
  j["requestId"] = request_id;
  if (stats) j["stats"] = std::move(*stats);
  return j;
}

}  // namespace

std::string NewRequestId() {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%lld-%08x", static_cast<long long>(NowSeconds()),
                static_cast<unsigned>(rng() & 0xffffffffu));
  return buf;
}

Result<std::unique_ptr<InvokerApi>> InvokerApi::Create() {
  FROCKET_ASSIGN_OR_RETURN(auto datastore, OpenDatastore());
  FROCKET_ASSIGN_OR_RETURN(auto invoker, CreateInvoker());
  return std::unique_ptr<InvokerApi>(new InvokerApi(std::move(datastore), std::move(invoker)));
}

Result<std::vector<dataset::DatasetInfo>> InvokerApi::ListDatasets() {
  return datastore_->ListDatasets();
}

Result<StoredDataset> InvokerApi::GetDataset(const std::string& name) {
  FROCKET_ASSIGN_OR_RETURN(auto stored, datastore_->LoadDataset(name));
  if (!stored) return Status::NotFound("dataset '" + name + "' not found");
  return std::move(*stored);
}

nlohmann::ordered_json InvokerApi::Register(const dataset::RegisterArgs& args,
                                            const ProgressCallback& progress) {
  const std::string request_id = NewRequestId();
  const double start = NowSeconds();
  auto report = [&](const std::string& message, const char* stage) {
    if (progress) progress({message, stage, {}});
  };
  for (const auto& [field, value] : {std::pair<const char*, const std::string*>{"name", &args.name},
                                     {"basepath", &args.basepath},
                                     {"groupIdColumn", &args.group_id_column},
                                     {"timestampColumn", &args.timestamp_column}}) {
    if (value->empty()) return Failure(request_id, std::string(field) + " must not be empty");
  }
  // A relative local path is stored absolute, so that queries from any directory (or another
  // process) find the same files.
  std::string basepath = args.basepath;
  if (basepath.find("://") == std::string::npos && !basepath.empty() && basepath[0] != '/') {
    std::error_code ec;
    auto absolute = std::filesystem::absolute(basepath, ec);
    if (ec) return Failure(request_id, basepath + ": cannot resolve the path: " + ec.message());
    basepath = absolute.lexically_normal().string();
    if (basepath.size() > 1 && basepath.back() == '/') basepath.pop_back();
  }
  report("Discovering files in " + basepath, "STARTING");
  auto store = ObjectStoreFor(basepath);
  if (!store.ok()) return Failure(request_id, store.status().message());
  auto entries = (*store)->List(basepath, args.pattern);
  if (!entries.ok()) return Failure(request_id, entries.status().message());
  if (entries->empty()) {
    return Failure(request_id,
                   "no files found in " + basepath + " matching '" + args.pattern + "'");
  }
  dataset::PartsInfo parts;
  for (const auto& e : *entries) {
    // Part names are stored as JSON text, which cannot hold them otherwise.
    if (!text::IsValidUtf8(e.name)) {
      return Failure(request_id, "the part file name '" + text::Escaped(e.name) + "' in " +
                                     basepath +
                                     " is not UTF-8; rename it (file names are "
                                     "stored as JSON text)");
    }
    parts.filenames.push_back(e.name);
    parts.sizes.push_back(static_cast<int64_t>(e.size));
    parts.versions.push_back(e.version_tag);
    parts.total_size += static_cast<int64_t>(e.size);
  }
  const std::vector<std::string> paths = parts.FullPaths(basepath);
  log::Info("registration", "number of part files: " + std::to_string(paths.size()) +
                                ", total size " + std::to_string(parts.total_size) + " bytes");

  dataset::ValidationMode mode = args.validation;
  bool validate_uniques = args.validate_uniques;
  if (paths.size() == 1) {
    mode = dataset::ValidationMode::kSingle;
    validate_uniques = false;
  }
  auto ratio = Config::Double("FROCKET_VALIDATION_SAMPLE_RATIO");
  auto max_samples = Config::Int("FROCKET_VALIDATION_SAMPLE_MAX", 1);
  auto settings = dataset::InspectionSettings::FromConfig();
  for (const Status& s : {ratio.status(), max_samples.status(), settings.status()}) {
    if (!s.ok()) return Failure(request_id, s.message());
  }
  const std::vector<size_t> sampled =
      dataset::ChooseSampledParts(paths.size(), mode, *ratio, *max_samples);
  log::Info("registration", std::string("validation mode ") + dataset::ValidationModeName(mode) +
                                ": inspecting " + std::to_string(sampled.size()) + " parts" +
                                (validate_uniques ? ", checking group ids are unique" : ""));

  std::vector<RegistrationTaskRequest> requests(sampled.size());
  for (size_t i = 0; i < sampled.size(); ++i) {
    RegistrationTaskRequest& request = requests[i];
    request.request_id = request_id;
    request.task_index = i;
    request.part_path = paths[sampled[i]];
    request.group_id_column = args.group_id_column;
    request.timestamp_column = args.timestamp_column;
    request.return_group_ids = validate_uniques;
    request.settings = *settings;
  }
  std::vector<RegistrationTaskResult> results;
  JobRun run = invoker_->RunRegistrations(requests, start, progress, &results);

  JobStatsInput stats_input;
  stats_input.invoker = run.times;
  stats_input.retried_tasks = run.retried_tasks;
  stats_input.lost_tasks = run.lost_tasks;
  stats_input.failed_tasks = run.failed_attempts;
  stats_input.total_tasks = static_cast<int64_t>(sampled.size());
  stats_input.dataset_parts = static_cast<int64_t>(paths.size());
  stats_input.dataset_size = parts.total_size;
  if (auto p = TimingPercentilesFromConfig(); p.ok()) stats_input.percentiles = *p;
  std::vector<std::string> names;
  std::vector<dataset::PartInspection> inspections;
  std::string first_error = run.status.ok() ? "" : run.status.message();
  for (size_t i = 0; i < results.size(); ++i) {
    if (!results[i].success) {
      if (first_error.empty()) first_error = results[i].error;
      continue;
    }
    stats_input.successful.push_back(results[i].metrics);
    names.push_back(parts.filenames[sampled[i]]);
    inspections.push_back(std::move(results[i].inspection));
  }
  auto stats = [&] {
    stats_input.total_seconds = NowSeconds() - start;
    return JobStatsJson(stats_input);
  };
  auto fail = [&](const std::string& message) {
    auto response = Failure(request_id, message, stats());
    Report("register", args.name, false, stats_input);
    return response;
  };
  if (!first_error.empty()) return fail(first_error);
  report("Validating the sampled parts", "FINISHING");
  Status agree = dataset::CheckPartsAgree(names, inspections, validate_uniques);
  if (!agree.ok()) return fail(agree.message());

  StoredDataset stored;
  stored.info.id.name = args.name;
  stored.info.id.registered_at = dataset::NowIso8601();
  stored.info.basepath = basepath;
  stored.info.group_id_column = args.group_id_column;
  stored.info.timestamp_column = args.timestamp_column;
  stored.info.total_parts = static_cast<int64_t>(paths.size());
  stored.parts = std::move(parts);
  stored.schema = dataset::MergeSchemas(inspections, *settings);
  Status written = datastore_->WriteDataset(stored);
  if (!written.ok()) return fail(written.message());
  // Parts cached for an earlier registration of this name are never used again.
  invoker_->ForgetDataset(args.name);
  log::Info("registration", "dataset '" + args.name + "' registered in " + datastore_->Describe());

  nlohmann::ordered_json j;
  j["success"] = true;
  j["requestId"] = request_id;
  j["dataset"] = dataset::ToJson(stored.info);
  j["stats"] = stats();
  Report("register", args.name, true, stats_input);
  report("Registered", "DONE");
  return j;
}

nlohmann::ordered_json InvokerApi::QueryText(const std::string& dataset, const std::string& text,
                                             const ProgressCallback& progress) {
  nlohmann::json parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    auto error = query::ParseQueryText(text, {});  // for the position of the JSON error
    return Failure(NewRequestId(), error.ok() ? "malformed JSON" : error.status().message());
  }
  return Query(dataset, parsed, progress);
}

nlohmann::ordered_json InvokerApi::Query(const std::string& dataset,
                                         const nlohmann::json& query_json,
                                         const ProgressCallback& progress) {
  auto prepared = PrepareQuery(dataset, query_json);
  if (!prepared.ok()) {
    const bool invalid = prepared.status().code() == StatusCode::kInvalid;
    return Failure(NewRequestId(),
                   (invalid ? "invalid query: " : "") + prepared.status().message());
  }
  return RunQuery(*prepared, progress);
}

Result<PreparedQuery> InvokerApi::PrepareQuery(const std::string& dataset,
                                               const nlohmann::json& query_json) {
  PreparedQuery prepared;
  prepared.request_id = NewRequestId();
  prepared.start = NowSeconds();
  FROCKET_ASSIGN_OR_RETURN(prepared.dataset, GetDataset(dataset));
  // A malformed setting is this process's fault, not the query's: not Invalid.
  auto top = Config::Int("FROCKET_AGGREGATIONS_TOP_DEFAULT_COUNT", 1);
  auto exact = Config::Int("FROCKET_AGGREGATIONS_EXACT_LIMIT", 1);
  for (const Status& s : {top.status(), exact.status()}) {
    if (!s.ok()) return Status::IOError("configuration: " + s.message());
  }
  query::ParseOptions parse_options;
  parse_options.default_top = *top;
  prepared.exact_limit = *exact;
  auto q = query::ParseQuery(query_json, prepared.dataset.schema.ForQueries(), parse_options);
  if (!q.ok()) return Status::Invalid(q.status().message());
  prepared.columns = q->UsedColumns();
  prepared.columns.push_back(prepared.dataset.info.group_id_column);
  prepared.columns.push_back(prepared.dataset.info.timestamp_column);
  std::sort(prepared.columns.begin(), prepared.columns.end());
  prepared.columns.erase(std::unique(prepared.columns.begin(), prepared.columns.end()),
                         prepared.columns.end());
  prepared.expanded = nlohmann::json::parse(JsonText(query::ToExpandedJson(*q)));
  prepared.query = std::move(*q);
  return prepared;
}

nlohmann::ordered_json InvokerApi::RunQuery(const PreparedQuery& prepared,
                                            const ProgressCallback& progress) {
  const std::string& request_id = prepared.request_id;
  const std::string& dataset = prepared.dataset.info.id.name;
  const StoredDataset* stored = &prepared.dataset;
  const std::vector<std::string> paths = stored->parts.FullPaths(stored->info.basepath);

  if (progress) progress({"Starting " + std::to_string(paths.size()) + " tasks", "STARTING", {}});
  std::vector<QueryTaskRequest> requests(paths.size());
  for (size_t i = 0; i < paths.size(); ++i) {
    QueryTaskRequest& request = requests[i];
    request.request_id = request_id;
    request.task_index = i;
    request.dataset = stored->info;
    request.part_path = paths[i];
    request.part_version.emplace();
    request.part_version->size = static_cast<uint64_t>(stored->parts.sizes[i]);
    if (!stored->parts.versions.empty()) request.part_version->tag = stored->parts.versions[i];
    request.used_columns = prepared.columns;
    for (const std::string& column : prepared.columns) {
      if (const dataset::ColumnInfo* c = stored->schema.Find(column)) {
        request.column_types[column] = c->type;
      }
    }
    request.query = prepared.expanded;
    request.exact_limit = prepared.exact_limit;
  }
  std::vector<QueryTaskResult> results;
  JobRun run = invoker_->RunQueries(requests, prepared.start, progress, &results);

  JobStatsInput stats_input;
  stats_input.invoker = run.times;
  stats_input.retried_tasks = run.retried_tasks;
  stats_input.lost_tasks = run.lost_tasks;
  stats_input.failed_tasks = run.failed_attempts;
  stats_input.total_tasks = static_cast<int64_t>(paths.size());
  stats_input.dataset_parts = static_cast<int64_t>(paths.size());
  stats_input.dataset_size = stored->parts.total_size;
  if (auto p = TimingPercentilesFromConfig(); p.ok()) stats_input.percentiles = *p;
  std::optional<engine::PartResult> merged;
  std::string first_error = run.status.ok() ? "" : run.status.message();
  for (size_t i = 0; i < results.size(); ++i) {
    if (!results[i].success) {
      if (first_error.empty()) first_error = "part " + paths[i] + " failed: " + results[i].error;
      continue;
    }
    stats_input.successful.push_back(results[i].metrics);
    if (!merged) {
      merged = std::move(results[i].result);
    } else if (Status s = engine::Merge(&*merged, results[i].result);
               !s.ok() && first_error.empty()) {
      first_error = s.message();
    }
  }
  // The response is built before the clock stops: with large aggregations it is real work.
  nlohmann::ordered_json body;
  if (first_error.empty()) body = engine::ResponseJson(*merged);
  stats_input.total_seconds = NowSeconds() - prepared.start;
  Report("query", dataset, first_error.empty(), stats_input);
  if (!first_error.empty()) {
    log::Warning("query", "query on '" + dataset + "' failed: " + first_error);
    return Failure(request_id, first_error, JobStatsJson(stats_input));
  }
  if (Status s = datastore_->SetLastUsed(dataset, NowSeconds()); !s.ok()) {
    log::Warning("query", "cannot record the last use of '" + dataset + "': " + s.message());
  }
  log::Info("query", "query on '" + dataset + "' completed: " + std::to_string(paths.size()) +
                         " tasks in " + std::to_string(stats_input.total_seconds) + " s");

  nlohmann::ordered_json j;
  j["success"] = true;
  j["requestId"] = request_id;
  j["query"] = std::move(body["query"]);
  if (body.contains("funnel")) j["funnel"] = std::move(body["funnel"]);
  if (auto warnings = engine::ValueWarnings(prepared.query, merged->value_checks);
      !warnings.empty()) {
    j["warnings"] = warnings;
  }
  j["stats"] = JobStatsJson(stats_input);
  if (progress) progress({"Done", "DONE", {}});
  return j;
}

void InvokerApi::Report(const char* type, const std::string& dataset, bool success,
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

nlohmann::ordered_json InvokerApi::Unregister(const std::string& name, bool force) {
  const std::string request_id = NewRequestId();
  auto info = datastore_->GetDataset(name);
  if (!info.ok()) return Failure(request_id, info.status().message());
  nlohmann::ordered_json j;
  if (!*info) {
    j["success"] = true;
    j["requestId"] = request_id;
    j["datasetFound"] = false;  // and no datasetLastUsed, as in Funnel Rocket
    return j;
  }
  auto last_used = datastore_->GetLastUsed(name);
  if (!last_used.ok()) return Failure(request_id, last_used.status().message());
  auto interval = Config::Int("FROCKET_UNREGISTER_LAST_USED_INTERVAL", 0);
  if (!interval.ok()) return Failure(request_id, interval.status().message());
  if (!force && *last_used && NowSeconds() - **last_used < static_cast<double>(*interval)) {
    nlohmann::ordered_json f =
        Failure(request_id, "dataset '" + name + "' was queried " +
                                std::to_string(static_cast<int64_t>(NowSeconds() - **last_used)) +
                                " seconds ago, less than FROCKET_UNREGISTER_LAST_USED_INTERVAL (" +
                                std::to_string(*interval) +
                                " s); a query may still be running. Unregister with --force "
                                "(CLI) or ?force=true (HTTP API) anyway");
    f["datasetFound"] = true;
    f["datasetLastUsed"] = static_cast<int64_t>(**last_used);
    return f;
  }
  auto removed = datastore_->RemoveDataset(name);
  if (!removed.ok()) return Failure(request_id, removed.status().message());
  invoker_->ForgetDataset(name);
  j["success"] = true;
  j["requestId"] = request_id;
  j["datasetFound"] = *removed;
  j["datasetLastUsed"] = *last_used ? nlohmann::ordered_json(static_cast<int64_t>(**last_used))
                                    : nlohmann::ordered_json(nullptr);
  return j;
}

}  // namespace frocket::cluster
