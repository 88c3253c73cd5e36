#include "cluster/worker.h"

#include <chrono>

#include "engine/part_executor.h"
#include "query/query_parser.h"
#include "storage/object_store.h"
#include "table/part_loader.h"

namespace frocket::cluster {

double NowSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string PartCacheKey(const dataset::DatasetId& dataset, const std::string& part_path) {
  return dataset.CacheKey() + "|" + part_path;
}

std::string DatasetCachePrefix(const std::string& name) {
  return name + "@";
}

const char* TaskStatusName(TaskStatus status) {
  switch (status) {
    case TaskStatus::kQueued:
      return "QUEUED";
    case TaskStatus::kLoadingData:
      return "LOADING_DATA";
    case TaskStatus::kRunningQuery:
      return "RUNNING_QUERY";
    case TaskStatus::kRunning:
      return "RUNNING";
    case TaskStatus::kEndedSuccess:
      return "ENDED_SUCCESS";
    case TaskStatus::kEndedFailed:
      return "ENDED_FAILED";
  }
  return "?";
}

const char* LoadSourceName(LoadSource source) {
  switch (source) {
    case LoadSource::kSource:
      return "source";
    case LoadSource::kMemoryCache:
      return "memoryCache";
    case LoadSource::kDiskCache:
      return "diskCache";
  }
  return "?";
}

Result<std::shared_ptr<table::Part>> Worker::LoadPart(const QueryTaskRequest& request,
                                                      TaskMetrics* metrics) {
  LoadSource* source = &metrics->load_from;
  const std::string key = PartCacheKey(request.dataset.id, request.part_path);
  std::shared_ptr<table::Part> part = cache_->Get(key);
  if (part && part->HasColumns(request.used_columns)) {
    *source = LoadSource::kMemoryCache;
    return part;
  }
  *source = LoadSource::kSource;
  FROCKET_ASSIGN_OR_RETURN(auto store, ObjectStoreFor(request.part_path));
  std::shared_ptr<ByteSource> bytes;
  if (request.part_version) {
    FROCKET_ASSIGN_OR_RETURN(bytes, store->OpenVersion(request.part_path, *request.part_version));
  } else {
    FROCKET_ASSIGN_OR_RETURN(bytes, store->Open(request.part_path));
  }
  FROCKET_ASSIGN_OR_RETURN(auto file, parquet::ParquetFile::Open(bytes));
  if (!part) {
    FROCKET_ASSIGN_OR_RETURN(
        part, table::LoadPart(*file, request.used_columns, request.dataset.group_id_column,
                              request.dataset.timestamp_column));
  } else {
    // Cached with other columns: read only the missing ones.
    std::vector<std::string> missing;
    for (const auto& name : request.used_columns) {
      if (part->FindColumn(name) == nullptr) missing.push_back(name);
    }
    FROCKET_ASSIGN_OR_RETURN(auto more, table::ReadColumns(*file, missing));
    FROCKET_ASSIGN_OR_RETURN(part, part->WithColumns(std::move(more)));
  }
  // A remote part whose bytes all came from the local disk cache is that tier's hit.
  if (bytes->disk_cache_bytes() > 0 && bytes->remote_bytes() == 0) {
    *source = LoadSource::kDiskCache;
  }
  metrics->network_bytes = static_cast<int64_t>(bytes->remote_bytes());
  metrics->bytes_read = static_cast<int64_t>(bytes->remote_bytes() + bytes->disk_cache_bytes() +
                                             bytes->local_bytes());
  cache_->Put(key, part);
  return part;
}

QueryTaskResult Worker::RunQuery(const QueryTaskRequest& request, double job_start,
                                 const StatusCallback& on_status) {
  QueryTaskResult result;
  const double start = NowSeconds();
  result.metrics.invoke_latency = start - job_start;
  auto finish = [&](Status status) {
    const double end = NowSeconds();
    result.metrics.total_seconds = end - start;
    result.metrics.finished_at = end - job_start;
    result.success = status.ok();
    if (!status.ok()) result.error = status.message();
    on_status(status.ok() ? TaskStatus::kEndedSuccess : TaskStatus::kEndedFailed);
    return result;
  };
  on_status(TaskStatus::kLoadingData);
  auto part = LoadPart(request, &result.metrics);
  result.metrics.load_seconds = NowSeconds() - start;
  if (!part.ok()) return finish(part.status());

  on_status(TaskStatus::kRunningQuery);
  query::DatasetSchema schema;
  schema.group_id_column = request.dataset.group_id_column;
  schema.timestamp_column = request.dataset.timestamp_column;
  for (const auto& c : (*part)->columns()) {
    schema.columns[c->name] = c->type;
    auto registered = request.column_types.find(c->name);
    if (registered != request.column_types.end() && registered->second != c->type) {
      return finish(Status::IOError(
          request.part_path + ": column '" + c->name + "' is " + ColumnTypeName(c->type) +
          " in the part but " + ColumnTypeName(registered->second) +
          " in the registered schema; the part changed after the dataset was registered "
          "(register the dataset again)"));
    }
  }
  query::ParseOptions parse_options;
  parse_options.expanded = true;
  auto q = query::ParseQuery(request.query, schema, parse_options);
  if (!q.ok()) return finish(q.status().WithContext("task query"));
  engine::ExecOptions options;
  options.exact_limit = request.exact_limit;
  auto r = engine::ExecuteQuery(**part, *q, options);
  if (!r.ok()) return finish(r.status().WithContext(request.part_path));
  result.result = std::move(*r);
  result.metrics.scanned_rows = result.result.scanned_rows;
  result.metrics.scanned_groups = result.result.scanned_groups;
  return finish(Status::OK());
}

RegistrationTaskResult Worker::RunRegistration(const RegistrationTaskRequest& request,
                                               double job_start, const StatusCallback& on_status) {
  RegistrationTaskResult result;
  const double start = NowSeconds();
  result.metrics.invoke_latency = start - job_start;
  on_status(TaskStatus::kLoadingData);
  auto inspect = [&]() -> Result<dataset::PartInspection> {
    FROCKET_ASSIGN_OR_RETURN(auto store, ObjectStoreFor(request.part_path));
    FROCKET_ASSIGN_OR_RETURN(auto bytes, store->Open(request.part_path));
    return dataset::InspectPart(std::move(bytes), request.group_id_column, request.timestamp_column,
                                request.return_group_ids, request.settings);
  };
  auto inspection = inspect();
  const double end = NowSeconds();
  result.metrics.load_seconds = end - start;
  result.metrics.total_seconds = end - start;
  result.metrics.finished_at = end - job_start;
  result.success = inspection.ok();
  if (inspection.ok()) {
    result.inspection = std::move(*inspection);
    result.metrics.scanned_rows = result.inspection.rows;
    result.metrics.scanned_groups = result.inspection.groups;
  } else {
    result.error = inspection.status().message();
  }
  on_status(result.success ? TaskStatus::kEndedSuccess : TaskStatus::kEndedFailed);
  return result;
}

}  // namespace frocket::cluster
