#include "service/part_runner.h"

#include <algorithm>

#include "common/clock.h"
#include "service/query_pipeline.h"
#include "storage/object_store.h"
#include "table/part_loader.h"

namespace frocket::service {

using cluster::LoadSource;
using cluster::QueryTaskRequest;
using cluster::QueryTaskResult;
using cluster::RegistrationTaskRequest;
using cluster::RegistrationTaskResult;
using cluster::StatusCallback;
using cluster::TaskMetrics;
using cluster::TaskStatus;

Result<std::shared_ptr<PartRunner>> PartRunner::FromConfig() {
  FROCKET_ASSIGN_OR_RETURN(auto cache, cluster::PartCache::FromConfig());
  return std::make_shared<PartRunner>(std::move(cache));
}

namespace {

// The task query's timeframe in time keys, to read only the row groups it can need; no bound
// where the query has none (or one this cannot read: the query's parser judges it later).
table::TimeKeyRange TimeframeKeys(const QueryTaskRequest& request) {
  const auto type = request.column_types.find(request.dataset.timestamp_column);
  if (type == request.column_types.end() || !request.query.is_object()) return {};
  const auto timeframe = request.query.find("timeframe");
  if (timeframe == request.query.end() || !timeframe->is_object()) return {};
  auto bound = [&](const char* name) -> std::optional<query::Literal> {
    const auto b = timeframe->find(name);
    if (b == timeframe->end()) return std::nullopt;
    if (b->is_number_integer() && !b->is_number_unsigned()) return b->get<int64_t>();
    if (b->is_number()) return b->get<double>();
    return std::nullopt;
  };
  return service::TimeframeKeys(query::Timeframe{bound("from"), bound("to")}, type->second);
}

}  // namespace

Result<std::shared_ptr<table::Part>> PartRunner::LoadPart(const QueryTaskRequest& request,
                                                          TaskMetrics* metrics) {
  LoadSource* source = &metrics->load_from;
  const std::string key = cluster::PartCacheKey(request.dataset.id, request.part_path);
  const table::TimeKeyRange timeframe = TimeframeKeys(request);
  std::shared_ptr<table::Part> part = cache_->Get(key);
  // A part cached for another timeframe that does not cover this one is read again, and so
  // is one read without timestamps (in the file's order) for a query that needs them.
  const bool uses_time = std::find(request.used_columns.begin(), request.used_columns.end(),
                                   request.dataset.timestamp_column) != request.used_columns.end();
  if (part && (!part->coverage().Contains(timeframe) || (uses_time && !part->has_time()))) {
    part = nullptr;
  }
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
                              request.dataset.timestamp_column, timeframe));
  } else {
    // Cached with other columns: read only the missing ones.
    std::vector<std::string> missing;
    for (const auto& name : request.used_columns) {
      if (part->FindColumn(name) == nullptr) missing.push_back(name);
    }
    // Of the row groups the part holds: those of its timeframe, if it was read for one.
    table::RowGroupRange row_groups;
    const table::TimeKeyRange& coverage = part->coverage();
    if (coverage.from || coverage.to || coverage.empty) {
      row_groups = table::RowGroupsInTimeframe(*file, request.dataset.timestamp_column,
                                               part->time_column().type, coverage);
    }
    FROCKET_ASSIGN_OR_RETURN(auto more, table::ReadColumns(*file, missing, row_groups));
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

QueryTaskResult PartRunner::RunQuery(const QueryTaskRequest& request, double job_start,
                                     const StatusCallback& on_status) {
  QueryTaskResult result;
  const double start = NowSeconds();
  result.metrics.invoke_latency = start - job_start;
  auto finish = [&](Status status) {
    const double end = NowSeconds();
    result.metrics.total_seconds = end - start;
    result.metrics.finished_at = end - job_start;
    result.status = status;
    on_status(status.ok() ? TaskStatus::kEndedSuccess : TaskStatus::kEndedFailed);
    return result;
  };
  on_status(TaskStatus::kLoadingData);
  auto part = LoadPart(request, &result.metrics);
  result.metrics.load_seconds = NowSeconds() - start;
  if (!part.ok()) return finish(part.status());

  on_status(TaskStatus::kRunningQuery);
  auto q = ReadTaskQuery(request, **part);
  if (!q.ok()) return finish(q.status());
  auto r = RunOnPart(**part, *q, request.exact_limit);
  if (!r.ok()) return finish(r.status().WithContext(request.part_path));
  result.result = std::move(*r);
  result.metrics.scanned_rows = result.result.scanned_rows;
  result.metrics.scanned_groups = result.result.scanned_groups;
  return finish(Status::OK());
}

RegistrationTaskResult PartRunner::RunRegistration(const RegistrationTaskRequest& request,
                                                   double job_start,
                                                   const StatusCallback& on_status) {
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
  result.status = inspection.status();
  if (inspection.ok()) {
    result.inspection = std::move(*inspection);
    result.metrics.scanned_rows = result.inspection.rows;
    result.metrics.scanned_groups = result.inspection.groups;
  }
  on_status(result.status.ok() ? TaskStatus::kEndedSuccess : TaskStatus::kEndedFailed);
  return result;
}

}  // namespace frocket::service
