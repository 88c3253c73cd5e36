// CompiledPredicate: a row predicate (filters that must all match in one row) bound to the
// columns of a Part, evaluated a range of rows at a time into a byte mask.
//
// Type and operator are resolved once, when compiling; the per-row loops are typed and
// branch-free. On a dictionary-encoded string column the filter is evaluated once per
// dictionary entry (regex included) and rows only look their code up.
//
// NULL makes every operator false except the negations != and "not contains", which are
// true on NULL (pandas semantics, kept for compatibility with Funnel Rocket).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "common/status.h"
#include "query/query.h"
#include "table/part.h"

namespace frocket::engine {

// One filter bound to its column.
class FilterEvaluator {
 public:
  virtual ~FilterEvaluator() = default;
  // mask[i] = 1 if row begin + i matches, else 0, for i < n.
  virtual void Eval(int64_t begin, int64_t n, uint8_t* mask) const = 0;
};

class CompiledPredicate {
 public:
  static Result<CompiledPredicate> Compile(const query::RowPredicate& predicate,
                                           const table::Part& part);

  // mask[i] = 1 if row begin + i matches every filter. REQUIRES: n <= kMaxBatch.
  void Eval(int64_t begin, int64_t n, uint8_t* mask) const;

  static constexpr int64_t kMaxBatch = 4096;

 private:
  std::vector<std::shared_ptr<const FilterEvaluator>> filters_;
};

}  // namespace frocket::engine
