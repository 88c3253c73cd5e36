// Timestamp arithmetic shared by the matchers of constrained sequences (DESIGN.md §3b): a
// matcher is templated on its part's timestamp type, int64 or double.
#pragma once

#include <cstdint>
#include <limits>
#include <type_traits>
#include <variant>

#include "query/query.h"

namespace frocket::engine {

// later - earlier <= limit, without overflow. REQUIRES: later >= earlier.
template <typename T>
bool Within(T later, T earlier, T limit) {
  if constexpr (std::is_integral_v<T>) {
    return static_cast<__int128>(later) - earlier <= limit;
  } else {
    return later - earlier <= limit;
  }
}

// A duration of the query (maxDuration, maxGap) as a timestamp difference.
template <typename T>
T DurationFromLiteral(const query::Literal& v) {
  if (const int64_t* i = std::get_if<int64_t>(&v)) return static_cast<T>(*i);
  const double d = std::get<double>(v);
  if constexpr (std::is_integral_v<T>) {
    // The parser gives INT timestamp columns whole durations; clamp anything else.
    if (!(d < 9.2e18)) return std::numeric_limits<T>::max();
    return static_cast<T>(d);
  } else {
    return d;
  }
}

}  // namespace frocket::engine
