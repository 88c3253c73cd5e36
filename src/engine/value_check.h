// ValueCheck: whether the strings a query compares with `==` exist in the data at all.
//
// A filter on a value no row holds ("Purchase" where the column holds "purchase") answers 0,
// correctly and silently. Each part says, for every STRING `==` filter of the query, whether
// its column holds the value and, if not, the nearest values it does hold; merged over the
// parts, a value no part holds becomes a warning in the answer naming those nearest values.
// A column in dictionary form is looked up in its distinct values (those the rows inside the
// timeframe hold, when there is one); one in plain form row by row (a value held is usually
// met early).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "query/query.h"
#include "table/part.h"

namespace frocket::engine {

struct ValueCheck {
  bool checked = true;  // every part so far could tell (it holds the column as STRING)
  bool present = false;
  // When absent: the nearest values held, with their edit distance (ignoring case), best
  // first, at most kMaxClosest.
  std::vector<std::pair<int, std::string>> closest;

  static constexpr size_t kMaxClosest = 3;
};

// The STRING `==` filters of the query, in a fixed order (conditions, then the funnel's steps).
std::vector<const query::Filter*> CheckedFilters(const query::Query& query);

// One ValueCheck per CheckedFilters(query) entry, for the part's rows [begin, end): those
// inside the query's timeframe. Only they count, so that the answer does not depend on how
// much of the part was read (a part read for a timeframe holds only some of its row groups).
std::vector<ValueCheck> CheckValues(const table::Part& part, const query::Query& query,
                                    int64_t begin, int64_t end);

// Merges another part's checks into `into` (same query). An empty `into` takes `other`.
Status MergeValueChecks(std::vector<ValueCheck>* into, const std::vector<ValueCheck>& other);

// The warnings of merged checks: one per value no part holds.
std::vector<std::string> ValueWarnings(const query::Query& query,
                                       const std::vector<ValueCheck>& checks);

nlohmann::json ValueChecksToWire(const std::vector<ValueCheck>& checks);
Result<std::vector<ValueCheck>> ValueChecksFromWire(const nlohmann::json& json);

}  // namespace frocket::engine
