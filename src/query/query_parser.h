// ParseQuery: Funnel Rocket's JSON query language to a validated, expanded Query.
//
// Expansion resolves every shorthand (filter and target arrays, the default target, default
// aggregations, relation shorthands, {"columns": [...]} aggregation lists) and makes every
// default explicit. Validation checks the query's shape (unknown keys are errors: a typo must
// not be silently ignored) and, against the dataset schema, that columns exist and that
// operators and values fit their types. Errors carry the JSON path of what is wrong, and all
// errors found are reported together.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "query/dataset_schema.h"
#include "query/query.h"

namespace frocket::query {

struct QueryError {
  std::string path;  // "query.conditions[2].target.value"
  std::string message;
};

// A query's size is bounded (README, "Limits"): far beyond any real query, the bounds keep the
// work and memory one request can cause in proportion (27,000 conditions took 900 MB).
inline constexpr size_t kMaxConditions = 1000;
inline constexpr size_t kMaxSteps = 100;          // of a sequence condition or a funnel
inline constexpr size_t kMaxStepNameBytes = 200;  // of a step's name
inline constexpr size_t kMaxFilters = 100;        // in one "filters" array
inline constexpr size_t kMaxAggregations = 100;   // in one aggregation list
inline constexpr int64_t kMaxTop = 100000;        // per-value entries kept
inline constexpr size_t kMaxRelationBytes = 10000;
inline constexpr int64_t kMaxGroupsLimit = 1000000;  // ids in an answer, unless "all"

struct ParseOptions {
  int64_t default_top = 10;  // FROCKET_AGGREGATIONS_TOP_DEFAULT_COUNT
  // The query is ToExpandedJson's output (a task's query), already validated as a user's:
  // timeframe bounds may be what dates converted to (negative before 1970, parts of a unit),
  // and the relation is its expanded text, which may be longer than the one the user wrote.
  bool expanded = false;
};

// On failure, the status message lists every error as "path: message", separated by "; ",
// and *errors (when given) receives them one by one.
Result<Query> ParseQuery(const nlohmann::json& json, const DatasetSchema& schema,
                         const ParseOptions& options = {},
                         std::vector<QueryError>* errors = nullptr);

// The same from JSON text; malformed JSON is reported with its position.
Result<Query> ParseQueryText(std::string_view text, const DatasetSchema& schema,
                             const ParseOptions& options = {},
                             std::vector<QueryError>* errors = nullptr);

// The expanded query in Funnel Rocket's verbose notation. Parsing it gives the same Query.
nlohmann::ordered_json ToExpandedJson(const Query& query);

// Pieces of the expanded query that answers repeat: a breakdown's "attribution", and the
// "of" (and "step") of groups as output.
nlohmann::ordered_json AttributionJson(const Breakdown& breakdown);
void PutGroupsOf(nlohmann::ordered_json& j, const GroupsOutput& groups);

}  // namespace frocket::query
