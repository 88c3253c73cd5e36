// Column: one column of an in-memory Part, in the form the engine evaluates.
//
// INT values are int64, FLOAT values double, BOOL one byte (0/1). STRING keeps the Parquet
// reader's vector: dictionary form (int32 codes into distinct strings; a null row's code is
// the dictionary size) when every page was dictionary-encoded, else plain form (offsets into
// bytes). `validity` is a bitmap (set = present), empty when no row is null.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/bitmap.h"
#include "common/buffer.h"
#include "common/column_type.h"
#include "parquet/column_vector.h"

namespace frocket::table {

struct Column {
  std::string name;
  ColumnType type = ColumnType::kInt;
  int64_t length = 0;
  int64_t null_count = 0;
  Buffer validity;
  Buffer values;                  // kInt, kFloat, kBool
  parquet::ColumnVector strings;  // kString (BYTE_ARRAY, either form)

  bool IsNull(int64_t row) const {
    return !validity.empty() && !bitmap::Get(validity.data(), static_cast<size_t>(row));
  }
  const int64_t* ints() const { return values.as<int64_t>(); }
  const double* floats() const { return values.as<double>(); }
  const uint8_t* bools() const { return values.data(); }
  bool is_dictionary() const { return strings.is_dictionary(); }
  // REQUIRES: kString.
  std::string_view StringAt(int64_t row) const {
    return strings.is_dictionary() ? strings.dictionary->StringAt(strings.CodeAt(row))
                                   : strings.StringAt(row);
  }
  size_t MemoryUsage() const {
    return validity.capacity() + values.capacity() + strings.MemoryUsage();
  }
};

}  // namespace frocket::table
