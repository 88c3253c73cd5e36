// PartResult: one part's share of a query's answer, and the exact merge of shares.
//
// Groups are disjoint across parts, so every count adds: matching groups and rows, per-value
// row counts, per-value group counts. Sums add; means are kept as sum and count and divided
// only at the end (Funnel Rocket averaged the parts' means, which is wrong). A part ships
// every value of a per-value aggregation while there are at most ExecOptions::exact_limit of
// them; beyond that it ships its top values only and the aggregation is marked approximate.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "engine/compensated_sum.h"
#include "engine/duration_stats.h"
#include "engine/value_check.h"
#include "query/query.h"
#include "table/value_codes.h"

namespace frocket::engine {

using table::Value;

struct AggregationResult {
  // What was asked (from the query).
  std::string column;
  query::AggregationType type = query::AggregationType::kCount;
  std::optional<std::string> name;
  int64_t top = 10;
  bool integer_sums = false;  // sumPerValue over an INT column: sums are exact integers

  // kCount: non-null cells.
  int64_t count = 0;

  // Per-value types. `rows`: rows (countPerValue, sum/meanPerValue) or groups
  // (groupsPerValue) having the value; `n`, `int_sum`, `float_sum`: the non-null values of
  // the other column and their sum (INT columns sum exactly in int_sum).
  struct Entry {
    Value key;
    int64_t rows = 0;
    int64_t n = 0;
    __int128 int_sum = 0;
    CompensatedSum float_sum;
  };
  std::vector<Entry> entries;
  bool approximate = false;
};

struct TimeToConvert {
  DurationStats from_previous;  // ts(r_j) - ts(r_j-1) over the groups reaching step j
  DurationStats from_first;     // ts(r_j) - ts(r_1)
};

struct StepResult {
  int64_t matching_groups = 0;
  int64_t matching_group_rows = 0;
  std::optional<std::vector<AggregationResult>> aggregations;
  std::optional<TimeToConvert> time_to_convert;  // funnel steps after the first, when asked
};

// The funnel of the groups whose chain's attribution row has one value of the breakdown
// column (DESIGN.md §3b).
struct BreakdownBucket {
  std::optional<Value> value;        // nullopt: NULL
  std::vector<StepResult> sequence;  // per positive step: groups, rows, time to convert
};

struct FunnelResult {
  std::vector<StepResult> sequence;
  std::optional<std::vector<AggregationResult>> end_aggregations;
  // Every value's bucket (cut to the query's top only in the response), when asked.
  std::optional<std::vector<BreakdownBucket>> breakdown;
};

// The ids of the groups a query's "groups" asks for: how many, and the least of them in value
// order (all of them when limit is query::GroupsOutput::kAll).
struct GroupIds {
  int64_t count = 0;
  int64_t limit = 0;
  // Ascending, at most limit: INT group ids, or STRING ones (byte-wise), as the column is.
  bool strings = false;
  std::vector<int64_t> ints;
  std::vector<std::string> texts;
  size_t size() const { return strings ? texts.size() : ints.size(); }
};

struct PartResult {
  StepResult query;
  std::optional<FunnelResult> funnel;
  std::optional<GroupIds> groups;
  std::vector<ValueCheck> value_checks;  // of CheckedFilters(query)
  // Worker statistics.
  int64_t scanned_rows = 0;
  int64_t scanned_groups = 0;
};

// Adds `other` into `into`. Both must come from the same query.
Status Merge(PartResult* into, const PartResult& other);

// The "query" and "funnel" members of Funnel Rocket's response, from a merged result: maps
// cut to their top entries (largest first, ties by value ascending), keys as strings; each
// funnel step led by its name when the query gave it one.
nlohmann::ordered_json ResponseJson(const PartResult& merged, const query::Query& query);
// The same without the query's step names.
nlohmann::ordered_json ResponseJson(const PartResult& merged);

// Lossless JSON for moving a part's result between processes, and back.
nlohmann::json ToWireJson(const PartResult& result);
Result<PartResult> FromWireJson(const nlohmann::json& json);

// The ranking of per-value entries: the aggregated measure, descending, then value ascending.
// Keeps the best `limit` entries in order; the rest are dropped.
void KeepTop(AggregationResult* result, size_t limit);

}  // namespace frocket::engine
