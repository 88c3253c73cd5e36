// ParseRelation: the relation expression between conditions — "$0 and ($1 or not $buyers)".
//
// References are $<index> or $<name> (names case-insensitive); operators and/&&, or/||,
// not/! (an extension: Funnel Rocket had no NOT) and parentheses. `not` binds tightest, then
// `and`, then `or`, as in Funnel Rocket (whose relations ran as pandas expressions).
#pragma once

#include <map>
#include <string>

#include "common/status.h"
#include "query/query.h"

namespace frocket::query {

// names: lower-cased condition name -> index. Errors say where in the text they are.
Result<Relation> ParseRelation(const std::string& text, int condition_count,
                               const std::map<std::string, int>& names);

// The relation as text that ParseRelation reads back to the same tree.
std::string RelationToString(const Relation& relation);

}  // namespace frocket::query
