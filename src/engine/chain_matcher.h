// The chain matcher (DESIGN.md §3b): the constrained sequences the streaming matcher does not
// decide — gaps, held-constant columns, order "any", a trailing exclusion under a window, more
// than 32 steps, chains asked (see chain_matcher.cc for how). Used through MakeSequenceMatcher.
#pragma once

#include <memory>
#include <vector>

#include "common/status.h"
#include "engine/part_scan.h"
#include "engine/sequence_matcher.h"
#include "query/query.h"

namespace frocket::engine {

// REQUIRES: the part has fewer than 2^31 rows; step_predicates has an entry per step.
Result<std::unique_ptr<SequenceMatcher>> MakeChainMatcher(const PartScan& scan,
                                                          const query::Sequence& sequence,
                                                          const std::vector<int>& step_predicates,
                                                          bool want_chains, ChainTies ties);

}  // namespace frocket::engine
