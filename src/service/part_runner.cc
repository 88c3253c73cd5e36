#include "service/part_runner.h"

#include <algorithm>

#include "common/clock.h"
#include "engine/part_executor.h"
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

Result<std::shared_ptr<PartRunner>> PartRunner::FromConfig(bool keep_parts) {
  std::shared_ptr<cluster::PartCache> cache = std::make_shared<cluster::PartCache>(0);
  if (keep_parts) {
    FROCKET_ASSIGN_OR_RETURN(cache, cluster::PartCache::FromConfig());
  }
  FROCKET_ASSIGN_OR_RETURN(auto transcoded, table::TranscodedCache::FromConfig());
  return std::make_shared<PartRunner>(std::move(cache), std::move(transcoded));
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

// The part read from its file: of the timeframe, or the columns `cached` lacks added to it.
Result<std::shared_ptr<table::Part>> ReadFromFile(const QueryTaskRequest& request,
                                                  const std::shared_ptr<ByteSource>& bytes,
                                                  const table::TimeKeyRange& timeframe,
                                                  std::shared_ptr<table::Part> cached) {
  FROCKET_ASSIGN_OR_RETURN(auto file, parquet::ParquetFile::Open(bytes));
  if (!cached) {
    return table::LoadPart(*file, request.used_columns, request.dataset.group_id_column,
                           request.dataset.timestamp_column, timeframe);
  }
  std::vector<std::string> missing;
  for (const auto& name : request.used_columns) {
    if (cached->FindColumn(name) == nullptr) missing.push_back(name);
  }
  // Of the row groups the part holds: those of its timeframe, if it was read for one.
  table::RowGroupRange row_groups;
  const table::TimeKeyRange& coverage = cached->coverage();
  if (coverage.from || coverage.to || coverage.empty) {
    row_groups = table::RowGroupsInTimeframe(*file, request.dataset.timestamp_column,
                                             cached->time_column().type, coverage);
  }
  FROCKET_ASSIGN_OR_RETURN(auto more, table::ReadColumns(*file, missing, row_groups));
  return cached->WithColumns(std::move(more));
}

Result<std::shared_ptr<ByteSource>> OpenPartFile(const QueryTaskRequest& request) {
  FROCKET_ASSIGN_OR_RETURN(auto store, ObjectStoreFor(request.part_path));
  if (request.part_version) return store->OpenVersion(request.part_path, *request.part_version);
  return store->Open(request.part_path);
}

// Where the part's bytes came from: a remote part whose bytes all came from the local disk
// cache is that tier's hit.
void RecordBytesRead(const ByteSource& bytes, TaskMetrics* metrics) {
  if (bytes.disk_cache_bytes() > 0 && bytes.remote_bytes() == 0) {
    metrics->load_from = LoadSource::kDiskCache;
  }
  metrics->network_bytes = static_cast<int64_t>(bytes.remote_bytes());
  metrics->bytes_read =
      static_cast<int64_t>(bytes.remote_bytes() + bytes.disk_cache_bytes() + bytes.local_bytes());
}

}  // namespace

Result<std::shared_ptr<table::Part>> PartRunner::LoadPart(const QueryTaskRequest& request,
                                                          TaskMetrics* metrics,
                                                          std::shared_ptr<ByteSource> opened) {
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
  std::shared_ptr<ByteSource> bytes = std::move(opened);
  if (!bytes) {
    FROCKET_ASSIGN_OR_RETURN(bytes, OpenPartFile(request));
  }
  if (transcoded_ && table::TranscodedCache::Usable(*bytes)) {
    // In time order: of the timeframe's rows where the cache has every column, else every row.
    FROCKET_ASSIGN_OR_RETURN(
        auto loaded, transcoded_->Load(bytes, request.used_columns, request.dataset.group_id_column,
                                       request.dataset.timestamp_column, timeframe));
    if (loaded.from_cache) *source = LoadSource::kTranscodedCache;
    part = std::move(loaded.part);
  } else {
    FROCKET_ASSIGN_OR_RETURN(part, ReadFromFile(request, bytes, timeframe, std::move(part)));
  }
  RecordBytesRead(*bytes, metrics);
  cache_->Put(key, part);
  return part;
}

Result<std::optional<engine::PartResult>> PartRunner::CountFromFile(
    const QueryTaskRequest& request, TaskMetrics* metrics, std::shared_ptr<ByteSource>* opened) {
  using Counted = std::optional<engine::PartResult>;
  // A part read is worth loading whole where it is kept, in memory or in the transcoded cache.
  if (cache_->capacity() > 0 || transcoded_ != nullptr) return Counted();
  const auto group_type = request.column_types.find(request.dataset.group_id_column);
  if (group_type == request.column_types.end() || group_type->second != ColumnType::kInt) {
    return Counted();  // string ids: only loading numbers them
  }
  // A query that only counts reads the group ids alone; any other is not parsed twice here.
  if (request.used_columns != std::vector<std::string>{request.dataset.group_id_column}) {
    return Counted();
  }
  auto q = ReadTaskQuery(request);
  if (!q.ok() || !engine::CountsOnly(*q)) return Counted();  // loading it tells what is wrong
  metrics->load_from = LoadSource::kSource;
  FROCKET_ASSIGN_OR_RETURN(auto bytes, OpenPartFile(request));
  *opened = bytes;
  FROCKET_ASSIGN_OR_RETURN(auto file, parquet::ParquetFile::Open(bytes));
  auto counted =
      CountOnFile(*file, *q, request.dataset.group_id_column, request.dataset.timestamp_column);
  RecordBytesRead(*bytes, metrics);
  return counted;
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
  std::shared_ptr<ByteSource> opened;
  auto counted = CountFromFile(request, &result.metrics, &opened);
  if (!counted.ok()) return finish(counted.status());
  if (*counted) {
    result.metrics.load_seconds = NowSeconds() - start;
    on_status(TaskStatus::kRunningQuery);
    result.result = std::move(**counted);
    result.metrics.scanned_rows = result.result.scanned_rows;
    result.metrics.scanned_groups = result.result.scanned_groups;
    return finish(Status::OK());
  }
  auto part = LoadPart(request, &result.metrics, std::move(opened));
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
