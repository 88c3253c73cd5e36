// PartScan: what the pieces of a query's execution over one part share — the part, the rows
// inside the timeframe (one contiguous range: parts are in timestamp order), each row's group
// ordinal, and the number of groups. Rows are fed a batch at a time; BatchMasks holds each
// row predicate's matches over the current batch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "table/part.h"

namespace frocket::engine {

struct PartScan {
  const table::Part& part;
  int64_t begin = 0;                  // the first row inside the timeframe
  int64_t end = 0;                    // one past the last
  const int32_t* ordinals = nullptr;  // per row, its group's ordinal
  size_t groups = 0;
};

// masks[p][i]: whether row (batch start + i) matches predicate p.
using BatchMasks = std::vector<std::vector<uint8_t>>;

// A group's bucket in aggregations: the selected groups, or those that stopped at a given
// funnel step; kNoBucket for groups in none.
inline constexpr uint8_t kNoBucket = 0xff;

}  // namespace frocket::engine
