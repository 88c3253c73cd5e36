// ExecuteQuery: one query over one Part — the part's share of the answer (DESIGN.md §3).
//
// The rows inside the timeframe are one contiguous range (parts are in timestamp order). A
// single pass over that range, a batch of rows at a time, evaluates every row predicate into
// byte masks and feeds them to per-group state in flat arrays indexed by group ordinal:
// counters and sums for count/sum targets, and for every sequence (sequence conditions and
// the funnel) the step each group has reached and when. Because rows come in timestamp
// order, the earliest chain of a sequence is found greedily in that one pass. The relation
// is then evaluated over per-group flags, and aggregations run over the rows of the selected
// groups, bucketed by how far each group got in the funnel.
#pragma once

#include <cstdint>

#include "common/status.h"
#include "engine/part_result.h"
#include "query/query.h"
#include "table/part.h"

namespace frocket::engine {

struct ExecOptions {
  // FROCKET_AGGREGATIONS_EXACT_LIMIT: distinct values a part ships per aggregation before
  // the aggregation becomes approximate.
  int64_t exact_limit = 100000;
};

// REQUIRES: the part holds every column the query uses (Query::UsedColumns()).
Result<PartResult> ExecuteQuery(const table::Part& part, const query::Query& query,
                                const ExecOptions& options = {});

// Whether the query asks of a part only how many groups and rows it has: no timeframe,
// condition, funnel, aggregation or list of groups.
bool CountsOnly(const query::Query& query);

// A part's result of such a query (every group matches), from its row and group counts: what
// ExecuteQuery returns over a part of `rows` rows in `groups` groups.
PartResult CountsOnlyResult(int64_t rows, int64_t groups);

}  // namespace frocket::engine
