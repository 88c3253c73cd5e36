// EncodeDeltaBinaryPacked: integers to DELTA_BINARY_PACKED (blocks of 128 values in 4
// miniblocks of 32), the encoding frocket writes for sorted integer columns such as
// timestamps, where deltas are small and pack into a few bits each.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace frocket::parquet {

void EncodeDeltaBinaryPacked(std::span<const int64_t> values, std::vector<uint8_t>* out);

}  // namespace frocket::parquet
