// PLAIN encoding: values back to back (fixed-width little-endian, BOOLEAN bit-packed LSB
// first, BYTE_ARRAY as a 4-byte length then the bytes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/status.h"
#include "parquet/decoder/byte_array_builder.h"

namespace frocket::parquet {

// Decodes n values of `width` bytes. On success *consumed is n * width.
Status DecodePlainFixed(std::span<const uint8_t> in, int32_t width, size_t n, uint8_t* out,
                        size_t* consumed);

// Decodes n bit-packed booleans into one byte (0/1) each.
Status DecodePlainBoolean(std::span<const uint8_t> in, size_t n, uint8_t* out, size_t* consumed);

// Decodes n length-prefixed byte arrays.
Status DecodePlainByteArray(std::span<const uint8_t> in, size_t n, ByteArrayBuilder* out,
                            size_t* consumed);

}  // namespace frocket::parquet
