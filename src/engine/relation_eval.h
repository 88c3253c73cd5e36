// A query's relation ("$0 and not $1") evaluated over per-group condition flags.
#pragma once

#include <cstdint>
#include <vector>

#include "query/query.h"

namespace frocket::engine {

// flags[i][g]: whether group g meets condition i. Returns, per group, whether it meets the
// relation.
std::vector<uint8_t> EvalRelation(const query::Relation& relation,
                                  const std::vector<std::vector<uint8_t>>& flags);

}  // namespace frocket::engine
