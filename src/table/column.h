// Column: one column of an in-memory Part, in the form the engine evaluates.
//
// INT values are int64, FLOAT values double, BOOL one byte (0/1). `encoded` keeps the Parquet
// reader's vector where its encoding is worth keeping: STRING columns in dictionary form
// (int32 codes into distinct strings; a null row's code is the dictionary size) or plain form
// (offsets into bytes), and INT columns in dictionary form, whose codes number the distinct
// values for free (group ordinals without hashing) — their int64 values are then made on
// first use. `validity` is a bitmap (set = present), empty when no row is null.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

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
  Buffer values;                  // kInt (unless made from `encoded`), kFloat, kBool
  int float_bits = 64;            // kFloat: the stored precision (32: FLOAT, 16: FLOAT16)
  parquet::ColumnVector encoded;  // kString (either form); kInt in dictionary form

  bool IsNull(int64_t row) const {
    return !validity.empty() && !bitmap::Get(validity.data(), static_cast<size_t>(row));
  }
  // REQUIRES: kInt. Thread-safe.
  const int64_t* ints() const;
  const double* floats() const { return values.as<double>(); }
  const uint8_t* bools() const { return values.data(); }
  bool is_dictionary() const { return encoded.is_dictionary(); }
  // REQUIRES: kString.
  std::string_view StringAt(int64_t row) const {
    return encoded.is_dictionary() ? encoded.dictionary->StringAt(encoded.CodeAt(row))
                                   : encoded.StringAt(row);
  }
  // The value of a dictionary entry of an INT column in dictionary form.
  int64_t DictionaryInt(int32_t code) const;
  // Keeps the rows `rows`, in that order: row i becomes the former row rows[i]; rows not listed
  // are dropped. Values made on first use (ints() of a dictionary column) are made again from
  // the gathered codes.
  void Gather(const std::vector<uint32_t>& rows);

  size_t MemoryUsage() const;

 private:
  struct Lazy {
    std::once_flag once;
    Buffer values;
  };
  std::unique_ptr<Lazy> lazy_ = std::make_unique<Lazy>();
};

}  // namespace frocket::table
