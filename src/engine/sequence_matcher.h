// SequenceMatcher: how far each group gets through a sequence of steps (a sequence
// condition, or the funnel), fed the part's rows in timestamp order a batch at a time.
//
// One implementation is chosen per query (MakeSequenceMatcher): the greedy earliest chain
// for a sequence with no constraint (DESIGN.md §3: one pass, no memory per row), and the
// chain matcher for windows, gaps, exclusions, held-constant columns and order modes
// (§3b), which keeps the rows matching any step and decides each group at the end.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "common/status.h"
#include "engine/part_scan.h"
#include "query/query.h"

namespace frocket::engine {

class SequenceMatcher {
 public:
  virtual ~SequenceMatcher() = default;

  // Rows [batch, batch + n): masks hold every predicate's matches over them.
  virtual void Update(const BatchMasks& masks, int64_t batch, int64_t n) = 0;
  // After the last batch, before reached().
  virtual void Finish() {}
  // Per group, the number of positive steps it reached (0 to steps()).
  virtual const std::vector<uint8_t>& reached() const = 0;
  // The positive steps (exclusion steps are not reached; they constrain).
  virtual size_t steps() const = 0;
};

// The matcher for `sequence`. step_predicates[i]: the index in BatchMasks of the predicate of
// sequence.steps[i] (exclusion steps included).
Result<std::unique_ptr<SequenceMatcher>> MakeSequenceMatcher(const PartScan& scan,
                                                             const query::Sequence& sequence,
                                                             std::vector<int> step_predicates);

}  // namespace frocket::engine
