// AnyIndexOutOfRange: whether dictionary indices point past their dictionary — checked on
// every dictionary-encoded page before an index is used.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace frocket::parquet {

// Whether any of the `n` indices is not below `dictionary_size`. Comparisons of 32-bit values
// or-ed together, which the compiler turns into vector code: a running maximum (a chain of
// dependent steps) or a 64-bit bound (scalar code) took several times as long.
inline bool AnyIndexOutOfRange(const uint32_t* indices, size_t n, uint64_t dictionary_size) {
  if (n == 0) return false;
  if (dictionary_size == 0) return true;
  const auto last =
      static_cast<uint32_t>(std::min<uint64_t>(dictionary_size, uint64_t{1} << 32) - 1);
  uint32_t out = 0;
  for (size_t i = 0; i < n; ++i) out |= indices[i] > last ? 1u : 0u;
  return out != 0;
}

}  // namespace frocket::parquet
