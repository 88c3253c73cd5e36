// The matchers of sequences with constraints (DESIGN.md §3b): the streaming matcher and the
// chain matcher (see sequence_matcher.h for which one a sequence gets). Used through
// MakeSequenceMatcher.
#pragma once

#include <memory>
#include <vector>

#include "common/status.h"
#include "engine/part_scan.h"
#include "engine/sequence_matcher.h"
#include "query/query.h"

namespace frocket::engine {

Result<std::unique_ptr<SequenceMatcher>> MakeChainMatcher(const PartScan& scan,
                                                          const query::Sequence& sequence,
                                                          const std::vector<int>& step_predicates,
                                                          bool want_chains, ChainTies ties);

}  // namespace frocket::engine
