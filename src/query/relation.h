// ParseRelation: the relation expression between conditions — "$0 and ($1 or not $buyers)".
//
// References are $<index> or $<name>; operators and/&&, or/||,
// not/! (an extension: Funnel Rocket had no NOT) and parentheses. `not` binds tightest, then
// `and`, then `or`, as in Funnel Rocket (whose relations ran as pandas expressions).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "query/query.h"

namespace frocket::query {

// names: each condition's name, by index. $<name> refers to the condition of that name, or,
// when none is spelt exactly so, to the one condition whose name equals it ignoring case
// (Funnel Rocket ignored case). Errors say where in the text they are.
Result<Relation> ParseRelation(const std::string& text,
                               const std::vector<std::optional<std::string>>& names);

// The relation as text that ParseRelation reads back to the same tree.
std::string RelationToString(const Relation& relation);

}  // namespace frocket::query
