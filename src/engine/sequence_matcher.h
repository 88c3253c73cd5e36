// SequenceMatcher: how far each group gets through a sequence of steps (a sequence
// condition, or the funnel), fed the part's rows in timestamp order a batch at a time. The
// greedy earliest-chain matcher is Funnel Rocket's semantics (DESIGN.md §3); windows,
// exclusions and order modes (§3b) are matchers of their own behind the same interface.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "engine/part_scan.h"

namespace frocket::engine {

class SequenceMatcher {
 public:
  virtual ~SequenceMatcher() = default;

  // Rows [batch, batch + n): masks hold every predicate's matches over them.
  virtual void Update(const BatchMasks& masks, int64_t batch, int64_t n) = 0;
  // Per group, the number of steps it reached (0 to steps()).
  virtual const std::vector<uint8_t>& reached() const = 0;
  virtual size_t steps() const = 0;
};

// The greedy earliest chain: a group at step s advances on a row matching step s + 1 whose
// timestamp is strictly later than the row that took it to step s. step_predicates[i]: the
// index in BatchMasks of step i's predicate.
std::unique_ptr<SequenceMatcher> MakeGreedyMatcher(const PartScan& scan,
                                                   std::vector<int> step_predicates);

}  // namespace frocket::engine
