// Conversions from stored Parquet values to what they mean: decimals as exact decimal
// strings, INT96 timestamps as nanoseconds, half floats, UUIDs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace frocket::parquet {

// The decimal string of an unscaled integer given as big-endian two's complement bytes (any
// length), with `scale` digits after the point: "-0.50", "12345.6789", "7".
std::string DecimalToString(const uint8_t* big_endian, size_t length, int32_t scale);
std::string DecimalToString(int64_t unscaled, int32_t scale);

// Nanoseconds since 1970-01-01T00:00:00 of an INT96 timestamp (8 bytes nanos of day, then a
// 4-byte Julian day, both little-endian and signed). Exact: the result can exceed int64.
__int128 Int96ToNanos(const uint8_t* value);
std::string Int128ToString(__int128 v);

// IEEE 754 half precision to double (exact).
double Float16ToDouble(uint16_t half);

// 16 bytes as lowercase 8-4-4-4-12 hex.
std::string UuidToString(const uint8_t* bytes);

}  // namespace frocket::parquet
