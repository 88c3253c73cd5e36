// ColumnVector: the decoded values of one column over a run of rows, in one of two forms.
//
// Plain form: fixed-width physical types keep `length * value_width` bytes in `values`
// (BOOLEAN one byte 0/1 per row, INT96 12 bytes, FIXED_LEN_BYTE_ARRAY type_length bytes);
// BYTE_ARRAY keeps `length + 1` uint32 offsets into `data`. Null rows hold zero bytes / an
// empty string.
//
// Dictionary form (`dictionary != nullptr`, BYTE_ARRAY, INT32 and INT64): `codes` holds one
// int32 per row indexing `dictionary`, a plain-form vector of distinct, non-null values. A null
// row's code is dictionary->length, one past the last entry, so a per-entry lookup table of length
// + 1 handles nulls without a branch.
//
// `validity` is a bitmap (bit set = value present) of `length` bits, or empty when no row is
// null.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "common/bitmap.h"
#include "common/buffer.h"
#include "parquet/types.h"

namespace frocket::parquet {

struct ColumnVector {
  PhysicalType physical_type = PhysicalType::kInt32;
  int32_t value_width = 0;  // bytes per value of a fixed-width type; 0 for BYTE_ARRAY
  int64_t length = 0;
  int64_t null_count = 0;
  Buffer validity;
  Buffer values;
  Buffer offsets;  // uint32, BYTE_ARRAY only
  Buffer data;     // BYTE_ARRAY only
  Buffer codes;    // int32, dictionary form only
  std::shared_ptr<const ColumnVector> dictionary;

  bool is_dictionary() const { return dictionary != nullptr; }
  bool IsNull(int64_t row) const {
    return !validity.empty() && !bitmap::Get(validity.data(), static_cast<size_t>(row));
  }

  template <typename T>
  const T* values_as() const {
    return values.as<T>();
  }
  // REQUIRES: plain form, BYTE_ARRAY.
  std::string_view StringAt(int64_t row) const {
    const uint32_t* off = offsets.as<uint32_t>();
    return {reinterpret_cast<const char*>(data.data()) + off[row], off[row + 1] - off[row]};
  }
  // REQUIRES: plain form, fixed width.
  std::span<const uint8_t> FixedAt(int64_t row) const {
    return {values.data() + static_cast<size_t>(row) * static_cast<size_t>(value_width),
            static_cast<size_t>(value_width)};
  }
  // REQUIRES: dictionary form.
  int32_t CodeAt(int64_t row) const { return codes.as<int32_t>()[row]; }

  // Bytes held by this vector (and its dictionary).
  size_t MemoryUsage() const {
    return validity.capacity() + values.capacity() + offsets.capacity() + data.capacity() +
           codes.capacity() + (dictionary ? dictionary->MemoryUsage() : 0);
  }
};

}  // namespace frocket::parquet
