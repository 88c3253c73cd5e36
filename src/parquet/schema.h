// Schema: the flat list of leaf columns of a Parquet file, validated from the footer's
// SchemaElements, with what each column's values mean (ValueKind).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "parquet/metadata.h"
#include "parquet/types.h"

namespace frocket::parquet {

// How the values of a column are to be understood, from its physical, logical and legacy
// converted types. Logical types win over converted types; an unrecognised logical type
// leaves the physical meaning.
enum class ValueKind : uint8_t {
  kBoolean,
  kInt,        // signed or unsigned (see ColumnDescriptor::is_unsigned) integer
  kFloat,      // FLOAT, DOUBLE
  kFloat16,    // FIXED_LEN_BYTE_ARRAY(2), IEEE half precision
  kDecimal,    // on INT32, INT64, FIXED_LEN_BYTE_ARRAY, BYTE_ARRAY
  kDate,       // days since the epoch
  kTime,       // units since midnight
  kTimestamp,  // units since the epoch
  kInt96,      // legacy Impala/Spark timestamp: nanos of day + Julian day
  kString,     // UTF-8 bytes (STRING, ENUM, JSON)
  kBytes,      // any other bytes
  kUuid,       // FIXED_LEN_BYTE_ARRAY(16)
};

struct ColumnDescriptor {
  int index = 0;  // position among the leaf columns
  std::string name;
  PhysicalType physical_type = PhysicalType::kInt32;
  int32_t type_length = 0;  // FIXED_LEN_BYTE_ARRAY only
  Repetition repetition = Repetition::kRequired;
  std::optional<int32_t> converted_type;
  std::optional<LogicalType> logical_type;
  std::optional<int32_t> precision;  // as written in the SchemaElement
  std::optional<int32_t> scale;

  ValueKind kind = ValueKind::kBytes;
  bool is_unsigned = false;                // kInt
  int32_t decimal_scale = 0;               // kDecimal
  int32_t decimal_precision = 0;           // kDecimal
  TimeUnit time_unit = TimeUnit::kMillis;  // kTime, kTimestamp

  int16_t max_definition_level() const { return repetition == Repetition::kOptional ? 1 : 0; }
  bool nullable() const { return repetition == Repetition::kOptional; }
};

class Schema {
 public:
  // Validates the footer's schema: a root group whose children are all primitive REQUIRED
  // or OPTIONAL columns. Anything nested is rejected with an error naming the column.
  static Result<Schema> FromMetadata(const std::vector<SchemaElement>& elements);

  const std::vector<ColumnDescriptor>& columns() const { return columns_; }
  int num_columns() const { return static_cast<int>(columns_.size()); }
  const ColumnDescriptor& column(int i) const { return columns_[static_cast<size_t>(i)]; }
  // -1 when there is no column of that name.
  int FindColumn(const std::string& name) const;

 private:
  std::vector<ColumnDescriptor> columns_;
};

}  // namespace frocket::parquet
