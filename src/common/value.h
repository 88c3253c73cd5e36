// Value: one value of a queryable type (DESIGN.md §2) — an INT, FLOAT, BOOL or STRING cell,
// or a literal of the query language. JSON integers stay exact as int64_t.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

namespace frocket {

using Value = std::variant<int64_t, double, bool, std::string>;

}  // namespace frocket
