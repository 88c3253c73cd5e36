// The query pipeline, the same whoever asks — `frocket run` and `POST /query` (through
// Service), `frocket query FILE...`, and every task on a worker thread, a `frocket worker`
// process or a Lambda instance:
//
//   PrepareQuery   the query's JSON checked against the dataset's schema, defaults made
//                  explicit, the columns to load listed;
//   RunOnPart      one part's share: the engine over the part's columns (engine/) — or,
//                  for a query that only counts a part's groups and rows, CountOnFile;
//   MergeInto      the parts' shares merged exactly, in any order;
//   QueryResponse  Funnel Rocket's response JSON (service/response.h).
//
// A task on a worker receives the expanded query as JSON and reads it again against its
// part's own columns (ReadTaskQuery), so a part changed since registration fails by name.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cluster/task.h"
#include "common/status.h"
#include "engine/part_result.h"
#include "parquet/file_reader.h"
#include "query/dataset_schema.h"
#include "query/query.h"
#include "table/part.h"

namespace frocket::service {

struct QuerySettings {
  int64_t default_top = 10;      // FROCKET_AGGREGATIONS_TOP_DEFAULT_COUNT
  int64_t exact_limit = 100000;  // FROCKET_AGGREGATIONS_EXACT_LIMIT
  // A malformed setting is this process's fault, not the query's: an IOError.
  static Result<QuerySettings> FromConfig();
};

// A query checked against its dataset, ready to run on parts.
struct PreparedQuery {
  query::Query query;
  nlohmann::json expanded;           // what tasks receive: the query with defaults explicit
  std::vector<std::string> columns;  // to load: the query's, the group id and the timestamp
  int64_t exact_limit = 0;
};

// Invalid, naming the JSON path, when the query does not fit the schema.
Result<PreparedQuery> PrepareQuery(const nlohmann::json& query, const query::DatasetSchema& schema,
                                   const QuerySettings& settings);
// The same from text: malformed JSON is Invalid, naming where.
Result<PreparedQuery> PrepareQueryText(const std::string& text, const query::DatasetSchema& schema,
                                       const QuerySettings& settings);

// A task's query read again against its part: the part's columns must have the types they
// were registered with (IOError naming the part otherwise).
Result<query::Query> ReadTaskQuery(const cluster::QueryTaskRequest& request,
                                   const table::Part& part);
// The same against the registered schema alone, before the part is read: to tell what the
// query needs of it.
Result<query::Query> ReadTaskQuery(const cluster::QueryTaskRequest& request);

// A timeframe in the time keys of a timestamp column of this type, so that a part is read
// for it: a bound above every timestamp leaves no row inside as "from", bounds nothing as
// "to". No timeframe: every row.
table::TimeKeyRange TimeframeKeys(const std::optional<query::Timeframe>& timeframe,
                                  ColumnType time_type);

// One part's share of the answer. REQUIRES: the part holds every column the query uses.
Result<engine::PartResult> RunOnPart(const table::Part& part, const query::Query& query,
                                     int64_t exact_limit);

// One part's share of a query that asks only for its groups and rows counted
// (engine::CountsOnly), from its file without loading the part; nullopt where the part must be
// loaded to tell (table::CountGroups). Fails as loading the part would.
Result<std::optional<engine::PartResult>> CountOnFile(const parquet::ParquetFile& file,
                                                      const query::Query& query,
                                                      const std::string& group_column,
                                                      const std::string& time_column);

// Merges a part's share into *merged (the first share becomes it).
Status MergeInto(std::optional<engine::PartResult>* merged, engine::PartResult part);

// A query's answer: the merged result as Funnel Rocket's "query" and "funnel" members, and
// warnings about values no row holds (engine/value_check.h).
struct QueryAnswer {
  nlohmann::ordered_json result;
  std::vector<std::string> warnings;
};
QueryAnswer Answer(const engine::PartResult& merged, const query::Query& query);

}  // namespace frocket::service
