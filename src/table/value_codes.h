// ValueCodes: a column dictionary-encoded — its distinct non-null values, and per row the
// index of its value (null rows get num_values()). Aggregations per value and group ordinals
// are computed over codes, so the hot loops index arrays instead of hashing values.
//
// Dictionary-form strings already are codes; other columns are encoded once per part (one
// hash lookup per row, then cached by the Part).
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "common/buffer.h"
#include "common/value.h"
#include "table/column.h"

namespace frocket::table {

// A distinct value of a column.
using Value = frocket::Value;

// Orders values of one column: numbers numerically, false before true, strings byte-wise.
bool ValueLess(const Value& a, const Value& b);

class ValueCodes {
 public:
  // Encodes `column`. For INT and STRING group id columns, this is how group ordinals are made.
  static ValueCodes Encode(const Column& column);

  int32_t num_values() const { return static_cast<int32_t>(values_.size()); }
  const int32_t* codes() const { return codes_; }
  const Value& value(int32_t code) const { return values_[static_cast<size_t>(code)]; }
  size_t MemoryUsage() const;

 private:
  std::vector<Value> values_;
  Buffer owned_codes_;
  const int32_t* codes_ = nullptr;  // owned_codes_, or the column's own dictionary codes
};

}  // namespace frocket::table
