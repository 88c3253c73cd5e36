// DELTA_LENGTH_BYTE_ARRAY (lengths delta-encoded, then the bytes back to back) and
// DELTA_BYTE_ARRAY (prefix lengths shared with the previous value, then the suffixes as
// DELTA_LENGTH_BYTE_ARRAY).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/status.h"
#include "parquet/decoder/byte_array_builder.h"

namespace frocket::parquet {

Status DecodeDeltaLengthByteArray(std::span<const uint8_t> in, size_t n, ByteArrayBuilder* out);

Status DecodeDeltaByteArray(std::span<const uint8_t> in, size_t n, ByteArrayBuilder* out);

}  // namespace frocket::parquet
