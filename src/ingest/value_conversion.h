// Converting one input cell to a column's type (ingest_schema.h): the text forms each type
// accepts, and the reason a cell does not fit, for the quarantine.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ingest/cell_batch.h"
#include "ingest/ingest_schema.h"

namespace frocket::ingest {

// Strict text forms: the whole text, no surrounding spaces.
bool ParseInt64Text(std::string_view text, int64_t* out);  // [+-]digits, within int64
bool ParseDoubleText(std::string_view text, double* out);  // decimal or exponent form, nan, inf
bool ParseBoolText(std::string_view text, bool* out);      // true/false, any case
// ISO-8601 (common/time_unit.h) as `unit`s since the epoch; false when not one or when it
// has a part of a unit.
bool ParseTimeText(std::string_view text, parquet::TimeUnit unit, int64_t* out);

// A cell converted to a column's type. Strings borrow the cell's text, or `scratch` when the
// value had to be written out (a number into a STRING column).
struct ConvertedValue {
  bool is_null = false;
  int64_t integer = 0;    // kBool (0/1), kInt64, kTimestamp
  double real = 0;        // kDouble
  std::string_view text;  // kString
};

// Converts `cell` to `column`'s type. On failure returns false and sets `reason` to why
// ("'abc' is not an INT"); text that is not valid UTF-8 never fits a STRING column.
bool ConvertCell(const Cell& cell, const IngestColumn& column, ConvertedValue* out,
                 std::string* scratch, std::string* reason);

}  // namespace frocket::ingest
