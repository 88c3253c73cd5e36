// The streaming matcher (DESIGN.md §3b): windows, exclusions and order "strict", decided in
// the scan itself from a few words per group (see streaming_matcher.cc for how). Used through
// MakeSequenceMatcher.
#pragma once

#include <memory>
#include <vector>

#include "engine/part_scan.h"
#include "engine/sequence_matcher.h"
#include "query/query.h"

namespace frocket::engine {

// Whether the streaming matcher decides `sequence`: order "ordered" or "strict", no gap, no
// held column, no trailing exclusion under a window, at most 32 positive steps, and no chains
// asked of it.
bool StreamingMatcherDecides(const query::Sequence& sequence, bool want_chains);

// REQUIRES: StreamingMatcherDecides(sequence, false); the part has fewer than 2^31 rows;
// step_predicates has an entry per step of `sequence`.
std::unique_ptr<SequenceMatcher> MakeStreamingMatcher(const PartScan& scan,
                                                      const query::Sequence& sequence,
                                                      const std::vector<int>& step_predicates);

}  // namespace frocket::engine
