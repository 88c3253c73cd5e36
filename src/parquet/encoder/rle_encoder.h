// EncodeRleBitPacked: values to the RLE/bit-packed hybrid encoding (definition levels,
// dictionary indices). Runs of 8 or more equal values become RLE runs; the rest are packed in
// groups of 8, the last group padded with zeros (readers take only the values they expect).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace frocket::parquet {

// Appends the encoding of `values` at `bit_width` (0..32) to *out.
void EncodeRleBitPacked(std::span<const uint32_t> values, int bit_width, std::vector<uint8_t>* out);

// Bits needed for values up to max_value.
inline int BitWidthFor(uint64_t max_value) {
  int width = 0;
  while (max_value != 0) ++width, max_value >>= 1;
  return width;
}

}  // namespace frocket::parquet
