// Aggregations over the rows of groups in buckets (a bucket is a set of groups: the selected
// groups, or those that stopped at a given funnel step), accumulated once per aggregation and
// read out for any range of buckets — the funnel's per-step aggregations are the groups that
// reached a step or further.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "engine/part_result.h"
#include "engine/part_scan.h"
#include "query/query.h"

namespace frocket::engine {

// bucket[g]: group g's bucket (kNoBucket: none); ranges: [first, last] bucket ranges. Returns
// per range the results of every spec over the groups in those buckets, exact up to
// exact_limit distinct values per aggregation (approximate beyond).
std::vector<std::vector<AggregationResult>> RunAggregations(
    const PartScan& scan, const std::vector<query::Aggregation>& specs,
    const std::vector<uint8_t>& bucket, int buckets, const std::vector<std::pair<int, int>>& ranges,
    int64_t exact_limit);

}  // namespace frocket::engine
