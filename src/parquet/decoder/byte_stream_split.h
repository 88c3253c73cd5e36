// BYTE_STREAM_SPLIT encoding: the k-th byte of every value stored together in stream k, for
// FLOAT, DOUBLE, INT32, INT64 and FIXED_LEN_BYTE_ARRAY.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "common/status.h"

namespace frocket::parquet {

// Decodes n values of `width` bytes. The streams fill the whole values section, so its size
// must be exactly n * width.
inline Status DecodeByteStreamSplit(std::span<const uint8_t> in, int32_t width, size_t n,
                                    uint8_t* out) {
  const uint64_t w = static_cast<uint64_t>(width);
  if (in.size() != n * w) {
    return Status::Invalid("BYTE_STREAM_SPLIT: " + std::to_string(n) + " values of " +
                           std::to_string(width) + " bytes need exactly " + std::to_string(n * w) +
                           " bytes, the page has " + std::to_string(in.size()));
  }
  if (n == 0) return Status::OK();
  const uint8_t* src = in.data();
  for (uint64_t k = 0; k < w; ++k) {
    const uint8_t* stream = src + k * n;
    uint8_t* dst = out + k;
    for (size_t i = 0; i < n; ++i) dst[i * w] = stream[i];
  }
  return Status::OK();
}

}  // namespace frocket::parquet
