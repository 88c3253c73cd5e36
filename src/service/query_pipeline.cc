#include "service/query_pipeline.h"

#include <algorithm>

#include "common/config.h"
#include "common/json_text.h"
#include "engine/part_executor.h"
#include "engine/value_check.h"
#include "query/query_parser.h"
#include "table/part_loader.h"

namespace frocket::service {

Result<QuerySettings> QuerySettings::FromConfig() {
  auto top = Config::Int("FROCKET_AGGREGATIONS_TOP_DEFAULT_COUNT", 1);
  auto exact = Config::Int("FROCKET_AGGREGATIONS_EXACT_LIMIT", 1);
  for (const Status& s : {top.status(), exact.status()}) {
    if (!s.ok()) return Status::IOError("configuration: " + s.message());
  }
  QuerySettings settings;
  settings.default_top = *top;
  settings.exact_limit = *exact;
  return settings;
}

namespace {

Result<PreparedQuery> Prepared(Result<query::Query> parsed, const query::DatasetSchema& schema,
                               const QuerySettings& settings) {
  if (!parsed.ok()) return Status::Invalid(parsed.status().message());
  PreparedQuery prepared;
  prepared.columns = parsed->UsedColumns();
  prepared.columns.push_back(schema.group_id_column);
  // Timestamps only where the query needs them: other queries read neither them nor put the
  // rows in time order.
  if (parsed->UsesTime()) prepared.columns.push_back(schema.timestamp_column);
  std::sort(prepared.columns.begin(), prepared.columns.end());
  prepared.columns.erase(std::unique(prepared.columns.begin(), prepared.columns.end()),
                         prepared.columns.end());
  prepared.expanded = nlohmann::json::parse(JsonText(query::ToExpandedJson(*parsed)));
  prepared.query = std::move(*parsed);
  prepared.exact_limit = settings.exact_limit;
  return prepared;
}

query::ParseOptions ParseOptionsOf(const QuerySettings& settings) {
  query::ParseOptions options;
  options.default_top = settings.default_top;
  return options;
}

// The task's query against these column types; a column not among them (one the part was read
// without, such as the timestamps of a query that needs no time) has its registered type.
Result<query::Query> ParseTaskQuery(const cluster::QueryTaskRequest& request,
                                    std::map<std::string, ColumnType> columns) {
  for (const auto& [name, type] : request.column_types) columns.emplace(name, type);
  const query::DatasetSchema schema(request.dataset.group_id_column,
                                    request.dataset.timestamp_column, std::move(columns));
  query::ParseOptions options;
  options.expanded = true;
  auto parsed = query::ParseQuery(request.query, schema, options);
  if (!parsed.ok()) return parsed.status().WithContext("task query");
  return parsed;
}

}  // namespace

Result<PreparedQuery> PrepareQuery(const nlohmann::json& query, const query::DatasetSchema& schema,
                                   const QuerySettings& settings) {
  return Prepared(query::ParseQuery(query, schema, ParseOptionsOf(settings)), schema, settings);
}

Result<PreparedQuery> PrepareQueryText(const std::string& text, const query::DatasetSchema& schema,
                                       const QuerySettings& settings) {
  return Prepared(query::ParseQueryText(text, schema, ParseOptionsOf(settings)), schema, settings);
}

Result<query::Query> ReadTaskQuery(const cluster::QueryTaskRequest& request,
                                   const table::Part& part) {
  std::map<std::string, ColumnType> columns;
  for (const auto& c : part.columns()) {
    columns[c->name] = c->type;
    auto registered = request.column_types.find(c->name);
    if (registered != request.column_types.end() && registered->second != c->type) {
      return Status::IOError(request.part_path + ": column '" + c->name + "' is " +
                             ColumnTypeName(c->type) + " in the part but " +
                             ColumnTypeName(registered->second) +
                             " in the registered schema; the part changed after the dataset was "
                             "registered (register the dataset again)");
    }
  }
  return ParseTaskQuery(request, std::move(columns));
}

Result<query::Query> ReadTaskQuery(const cluster::QueryTaskRequest& request) {
  return ParseTaskQuery(request, {});
}

table::TimeKeyRange TimeframeKeys(const std::optional<query::Timeframe>& timeframe,
                                  ColumnType time_type) {
  table::TimeKeyRange range;
  if (!timeframe) return range;
  auto key = [&](const query::Literal& bound) {
    if (const int64_t* i = std::get_if<int64_t>(&bound)) {
      return table::TimeKeyAtOrAbove(time_type, *i);
    }
    return table::TimeKeyAtOrAbove(time_type, std::get<double>(bound));
  };
  if (timeframe->from) {
    range.from = key(*timeframe->from);
    range.empty = !range.from;
  }
  if (timeframe->to) range.to = key(*timeframe->to);
  return range;
}

Result<engine::PartResult> RunOnPart(const table::Part& part, const query::Query& query,
                                     int64_t exact_limit) {
  engine::ExecOptions options;
  options.exact_limit = exact_limit;
  return engine::ExecuteQuery(part, query, options);
}

Result<std::optional<engine::PartResult>> CountOnFile(const parquet::ParquetFile& file,
                                                      const query::Query& query,
                                                      const std::string& group_column,
                                                      const std::string& time_column) {
  using Counted = std::optional<engine::PartResult>;
  if (!engine::CountsOnly(query)) return Counted();
  FROCKET_ASSIGN_OR_RETURN(const std::optional<table::GroupCount> count,
                           table::CountGroups(file, group_column, time_column));
  if (!count) return Counted();
  return Counted(engine::CountsOnlyResult(count->rows, count->groups));
}

Status MergeInto(std::optional<engine::PartResult>* merged, engine::PartResult part) {
  if (!*merged) {
    *merged = std::move(part);
    return Status::OK();
  }
  return engine::Merge(&**merged, part);
}

QueryAnswer Answer(const engine::PartResult& merged, const query::Query& query) {
  return QueryAnswer{engine::ResponseJson(merged, query),
                     engine::ValueWarnings(query, merged.value_checks)};
}

}  // namespace frocket::service
