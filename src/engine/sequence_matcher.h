// SequenceMatcher: how far each group gets through a sequence of steps (a sequence
// condition, or the funnel), fed the part's rows in timestamp order a batch at a time.
//
// One implementation is chosen per query (MakeSequenceMatcher):
// - the greedy earliest chain, for a sequence with no constraint (DESIGN.md §3: one pass, a
//   byte and a timestamp per group);
// - the streaming matcher (streaming_matcher.cc), for windows, exclusions and strict order
//   (§3b), decided in the scan from a few time ids per group and step;
// - the chain matcher (chain_matcher.cc), for gaps, held-constant columns, order "any", a
//   trailing exclusion under a window, more than 32 steps, or chains asked of a constrained
//   sequence: it keeps the rows matching any step and decides each group at the end.
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
  // When made with chains wanted: per group, the part rows of its chain (DESIGN.md §3b, the
  // chain for the deepest step it reached), steps() entries per group, -1 past that step.
  virtual const std::vector<int32_t>& chain_rows() const = 0;
};

// How a matcher keeping chains breaks ties between chains with equal timestamps (DESIGN.md
// §3b): by the rank of the value of their row at the attribution step, least first.
struct ChainTies {
  const int32_t* codes = nullptr;          // per part row, a value code; nullptr: no ties broken
  const uint32_t* rank_of_code = nullptr;  // per code, the value's rank (NULL ranks last)
  int attribution = 0;                     // a positive step, or kDeepest
  static constexpr int kDeepest = -1;      // the deepest step the group reached

  bool active() const { return codes != nullptr; }
  uint32_t Rank(int32_t row) const { return rank_of_code[codes[row]]; }
  // Whether ties at positive step `step` matter for a group that reached `depth` steps.
  bool At(size_t step, size_t depth) const {
    return active() &&
           (attribution == kDeepest ? step + 1 == depth : static_cast<size_t>(attribution) == step);
  }
};

// The matcher for `sequence`. step_predicates[i]: the index in BatchMasks of the predicate of
// sequence.steps[i] (exclusion steps included). want_chains: chain_rows() is needed, its ties
// broken by `ties`.
Result<std::unique_ptr<SequenceMatcher>> MakeSequenceMatcher(const PartScan& scan,
                                                             const query::Sequence& sequence,
                                                             std::vector<int> step_predicates,
                                                             bool want_chains = false,
                                                             ChainTies ties = {});

}  // namespace frocket::engine
