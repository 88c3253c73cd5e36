// Crc32: the CRC-32 of zlib, gzip and ZIP (IEEE 802.3, reflected), which Parquet pages carry —
// computed by libdeflate (linked statically), which folds with carry-less multiplication where
// the processor has it: over ten times zlib's speed, and page checksums were 5% of a query's
// CPU over frocket's own files.
#pragma once

#include <libdeflate.h>

#include <cstdint>
#include <span>

namespace frocket {

inline uint32_t Crc32(std::span<const uint8_t> bytes) {
  return libdeflate_crc32(0, bytes.data(), bytes.size());
}

}  // namespace frocket
