// RowCondition: a condition on a group's rows with a count or sum target (Funnel Rocket's
// "filter"/"filters" conditions): per group, the rows matching its predicate and the sum of
// the target column over them, then whether the group meets the target.
#pragma once

#include <cstdint>
#include <vector>

#include "common/status.h"
#include "engine/compensated_sum.h"
#include "engine/part_scan.h"
#include "query/query.h"

namespace frocket::engine {

class RowCondition {
 public:
  // predicate: the index in BatchMasks of the condition's row predicate.
  static Result<RowCondition> Make(const query::Condition& condition, int predicate,
                                   const PartScan& scan);

  // Rows [batch, batch + n), with the predicate's mask over them.
  void Update(const BatchMasks& masks, int64_t batch, int64_t n);
  // Per group: whether it meets the target (groups with no rows in the timeframe never do).
  std::vector<uint8_t> Flags(const std::vector<uint8_t>& existing) const;

 private:
  RowCondition(const query::Condition& condition, int predicate, const PartScan& scan)
      : condition_(&condition), predicate_(predicate), scan_(&scan) {}
  template <typename Sum, typename Value>
  void AddSums(const uint8_t* mask, const Value* values, Sum* sums, int64_t batch, int64_t n);

  const query::Condition* condition_;
  int predicate_;
  const PartScan* scan_;
  const table::Column* sum_column_ = nullptr;
  std::vector<uint32_t> counts_;
  std::vector<__int128> int_sums_;
  std::vector<CompensatedSum> float_sums_;
};

}  // namespace frocket::engine
