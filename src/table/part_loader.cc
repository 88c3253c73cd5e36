#include "table/part_loader.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string_view>
#include <unordered_set>

#include "parquet/logical_value.h"

namespace frocket::table {

using parquet::ColumnDescriptor;
using parquet::ColumnVector;
using parquet::PhysicalType;
using parquet::ValueKind;

std::optional<ColumnType> QueryTypeOf(const ColumnDescriptor& c) {
  switch (c.kind) {
    case ValueKind::kBoolean:
      return ColumnType::kBool;
    case ValueKind::kInt:
    case ValueKind::kDate:
    case ValueKind::kTime:
    case ValueKind::kTimestamp:
    case ValueKind::kInt96:
      return ColumnType::kInt;
    case ValueKind::kFloat:
    case ValueKind::kFloat16:
      return ColumnType::kFloat;
    case ValueKind::kString:
    case ValueKind::kBytes:
      if (c.physical_type == PhysicalType::kByteArray) return ColumnType::kString;
      return std::nullopt;
    case ValueKind::kDecimal:
    case ValueKind::kUuid:
      return std::nullopt;
  }
  return std::nullopt;
}

parquet::ReadOptions PartReadOptions() {
  parquet::ReadOptions options;
  options.dictionary_strings = true;
  options.dictionary_integers = true;
  return options;
}

namespace {

// A dictionary-encoded integer column: its codes kept (they number the distinct values), the
// dictionary widened to int64, so that values are made from it directly when first needed.
Status WidenDictionary(const ColumnDescriptor& d, ColumnVector v, Column* c) {
  const ColumnVector& dict = *v.dictionary;
  auto wide = std::make_shared<ColumnVector>();
  wide->physical_type = PhysicalType::kInt64;
  wide->value_width = 8;
  wide->length = dict.length;
  wide->values.Resize(static_cast<size_t>(dict.length) * 8);
  int64_t* out = wide->values.as<int64_t>();
  if (dict.physical_type == PhysicalType::kInt32) {
    const int32_t* in = dict.values_as<int32_t>();
    for (int64_t i = 0; i < dict.length; ++i) {
      out[i] = d.is_unsigned ? static_cast<int64_t>(static_cast<uint32_t>(in[i])) : in[i];
    }
  } else {
    const int64_t* in = dict.values_as<int64_t>();
    for (int64_t i = 0; i < dict.length; ++i) {
      if (d.is_unsigned && in[i] < 0) {
        return Status::Invalid("column '" + d.name + "': unsigned value " +
                               std::to_string(static_cast<uint64_t>(in[i])) +
                               " does not fit a signed 64-bit INT");
      }
      out[i] = in[i];
    }
  }
  v.dictionary = std::move(wide);
  c->encoded = std::move(v);
  return Status::OK();
}

// INT96 timestamps, as nanoseconds.
Status Int96Nanos(const ColumnDescriptor& d, const ColumnVector& v, Column* c) {
  const auto n = static_cast<size_t>(v.length);
  c->values.Resize(n * sizeof(int64_t));
  int64_t* out = c->values.as<int64_t>();
  for (size_t i = 0; i < n; ++i) {
    if (c->IsNull(static_cast<int64_t>(i))) {
      out[i] = 0;
      continue;
    }
    __int128 nanos = parquet::Int96ToNanos(v.values.data() + i * 12);
    if (nanos > INT64_MAX || nanos < INT64_MIN) {
      return Status::Invalid("column '" + d.name + "': INT96 timestamp at row " +
                             std::to_string(i) + " is outside the range of 64-bit nanoseconds");
    }
    out[i] = static_cast<int64_t>(nanos);
  }
  return Status::OK();
}

// An integer column's values as int64.
Status IntValues(const ColumnDescriptor& d, ColumnVector v, Column* c) {
  if (v.is_dictionary()) return WidenDictionary(d, std::move(v), c);
  const auto n = static_cast<size_t>(v.length);
  if (d.physical_type == PhysicalType::kInt64) {
    if (d.is_unsigned) {
      const auto* u = v.values_as<uint64_t>();
      for (size_t i = 0; i < n; ++i) {
        if (u[i] > static_cast<uint64_t>(INT64_MAX) && !c->IsNull(static_cast<int64_t>(i))) {
          return Status::Invalid("column '" + d.name + "': unsigned value " + std::to_string(u[i]) +
                                 " at row " + std::to_string(i) +
                                 " does not fit a signed 64-bit INT");
        }
      }
    }
    c->values = std::move(v.values);
    return Status::OK();
  }
  if (d.physical_type != PhysicalType::kInt32) return Int96Nanos(d, v, c);
  c->values.Resize(n * sizeof(int64_t));
  int64_t* out = c->values.as<int64_t>();
  const int32_t* in = v.values_as<int32_t>();
  if (d.is_unsigned) {
    for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint32_t>(in[i]);
  } else {
    for (size_t i = 0; i < n; ++i) out[i] = in[i];
  }
  return Status::OK();
}

// A float column's values as double; float_bits says what they were stored as.
void FloatValues(const ColumnDescriptor& d, ColumnVector v, Column* c) {
  if (d.physical_type == PhysicalType::kDouble) {
    c->values = std::move(v.values);
    return;
  }
  const auto n = static_cast<size_t>(v.length);
  c->values.Resize(n * sizeof(double));
  double* out = c->values.as<double>();
  c->float_bits = d.physical_type == PhysicalType::kFloat ? 32 : 16;
  if (d.physical_type == PhysicalType::kFloat) {
    const float* in = v.values_as<float>();
    for (size_t i = 0; i < n; ++i) out[i] = in[i];
    return;
  }
  for (size_t i = 0; i < n; ++i) {  // FLOAT16
    const uint8_t* h = v.values.data() + i * 2;
    out[i] = parquet::Float16ToDouble(static_cast<uint16_t>(h[0] | (h[1] << 8)));
  }
}

}  // namespace

Result<Column> ToColumn(const ColumnDescriptor& d, ColumnVector v) {
  auto type = QueryTypeOf(d);
  if (!type) {
    return Status::NotImplemented("column '" + d.name + "' has a type queries cannot use");
  }
  Column c;
  c.name = d.name;
  c.type = *type;
  c.length = v.length;
  c.null_count = v.null_count;
  c.validity = std::move(v.validity);
  switch (*type) {
    case ColumnType::kBool:
      c.values = std::move(v.values);  // already one byte, 0/1, per row
      break;
    case ColumnType::kInt:
      FROCKET_RETURN_IF_ERROR(IntValues(d, std::move(v), &c));
      break;
    case ColumnType::kFloat:
      FloatValues(d, std::move(v), &c);
      break;
    case ColumnType::kString:
      c.encoded = std::move(v);
      break;
  }
  return c;
}

Status CheckUniqueColumnNames(const parquet::Schema& schema) {
  std::unordered_set<std::string_view> seen;
  for (const auto& c : schema.columns()) {
    if (!seen.insert(c.name).second) {
      return Status::Invalid("the file has two columns named '" + c.name +
                             "'; column names must be unique");
    }
  }
  return Status::OK();
}

namespace {

// The time key of a PLAIN-encoded statistics value of the timestamp column, if its values are
// the engine's keys as stored.
std::optional<int64_t> StatisticsKey(const ColumnDescriptor& d, const std::string& plain) {
  auto read = [&](auto value) -> std::optional<decltype(value)> {
    if (plain.size() != sizeof(value)) return std::nullopt;
    std::memcpy(&value, plain.data(), sizeof(value));
    return value;
  };
  const bool integer = d.kind == ValueKind::kInt || d.kind == ValueKind::kDate ||
                       d.kind == ValueKind::kTime || d.kind == ValueKind::kTimestamp;
  if (integer && !d.is_unsigned) {
    if (d.physical_type == PhysicalType::kInt64) return read(int64_t{});
    if (d.physical_type == PhysicalType::kInt32) {
      if (auto v = read(int32_t{})) return *v;
    }
    return std::nullopt;
  }
  if (d.kind != ValueKind::kFloat) return std::nullopt;
  std::optional<double> v;
  if (d.physical_type == PhysicalType::kDouble) v = read(double{});
  if (d.physical_type == PhysicalType::kFloat) {
    if (auto f = read(float{})) v = *f;
  }
  if (!v || std::isnan(*v)) return std::nullopt;
  return FloatTimeKey(*v);
}

}  // namespace

RowGroupRange RowGroupsInTimeframe(const parquet::ParquetFile& file, const std::string& time_column,
                                   ColumnType time_type, const TimeKeyRange& timeframe) {
  const int groups = file.num_row_groups();
  const int index = file.schema().FindColumn(time_column);
  if (index < 0 || groups == 0) return {};
  const ColumnDescriptor& d = file.schema().column(index);
  const bool keys_as_stored = QueryTypeOf(d) == time_type;
  auto may_hold = [&](int g) {
    if (timeframe.empty) return false;
    const parquet::ColumnChunkStatistics stats = file.statistics(g, index);
    if (!keys_as_stored || !stats.min || !stats.max) return true;
    const std::optional<int64_t> low = StatisticsKey(d, *stats.min);
    const std::optional<int64_t> high = StatisticsKey(d, *stats.max);
    if (!low || !high) return true;
    return !(timeframe.from && *high < *timeframe.from) && !(timeframe.to && *low >= *timeframe.to);
  };
  RowGroupRange range{groups, 0};
  for (int g = 0; g < groups; ++g) {
    if (!may_hold(g)) continue;
    range.first = std::min(range.first, g);
    range.end = g + 1;
  }
  if (range.end == 0) return {0, 0};  // none can: no row group is read
  return range;
}

Result<std::vector<Column>> ReadColumns(const parquet::ParquetFile& file,
                                        const std::vector<std::string>& columns,
                                        RowGroupRange row_groups) {
  if (Status unique = CheckUniqueColumnNames(file.schema()); !unique.ok()) {
    return unique.WithContext(file.name());
  }
  const parquet::ReadOptions options = PartReadOptions();
  std::vector<int> indexes;
  for (const std::string& name : columns) {
    int index = file.schema().FindColumn(name);
    if (index < 0) return Status::NotFound(file.name() + ": no column '" + name + "'");
    indexes.push_back(index);
  }
  if (row_groups.end < 0) row_groups.end = file.num_row_groups();
  FROCKET_RETURN_IF_ERROR(file.WillReadColumns(indexes, row_groups.first, row_groups.end));
  std::vector<Column> loaded;
  for (const int index : indexes) {
    FROCKET_ASSIGN_OR_RETURN(
        ColumnVector v, file.ReadColumnRowGroups(index, row_groups.first, row_groups.end, options));
    auto column = ToColumn(file.schema().column(index), std::move(v));
    if (!column.ok()) return column.status().WithContext(file.name());
    loaded.push_back(std::move(*column));
  }
  return loaded;
}

namespace {

// A part read without its timestamps is still checked for what the timestamp column must be:
// there, and without nulls. By the footer where it tells (a REQUIRED column; every chunk's
// null count 0 or some above 0); where it does not, the column must be read: returns whether.
Result<bool> CheckTimestampsUnread(const parquet::ParquetFile& file, const std::string& column) {
  const int index = file.schema().FindColumn(column);
  if (index < 0) return Status::NotFound(file.name() + ": no column '" + column + "'");
  if (!file.schema().column(index).nullable()) return false;
  int64_t nulls = 0;
  bool known = true;
  for (int g = 0; g < file.num_row_groups(); ++g) {
    const std::optional<int64_t> n = file.statistics(g, index).null_count;
    known = known && n.has_value();
    nulls += n.value_or(0);
  }
  if (nulls > 0) {
    return Status::Invalid(file.name() + ": timestamp column '" + column + "' has " +
                           std::to_string(nulls) + " null values");
  }
  return !known;
}

}  // namespace

Result<std::shared_ptr<Part>> LoadPart(const parquet::ParquetFile& file,
                                       std::vector<std::string> columns,
                                       const std::string& group_column,
                                       const std::string& time_column,
                                       const TimeKeyRange& timeframe) {
  if (std::find(columns.begin(), columns.end(), time_column) == columns.end()) {
    FROCKET_ASSIGN_OR_RETURN(const bool read_them, CheckTimestampsUnread(file, time_column));
    if (read_them) columns.push_back(time_column);
  }
  RowGroupRange row_groups;
  const int time_index = file.schema().FindColumn(time_column);
  const bool bounded = timeframe.from || timeframe.to || timeframe.empty;
  if (bounded && time_index >= 0) {
    if (auto type = QueryTypeOf(file.schema().column(time_index))) {
      row_groups = RowGroupsInTimeframe(file, time_column, *type, timeframe);
    }
  }
  FROCKET_ASSIGN_OR_RETURN(std::vector<Column> loaded, ReadColumns(file, columns, row_groups));
  auto part =
      Part::Make(std::move(loaded), group_column, time_column, /*time_optional=*/true, timeframe);
  if (!part.ok()) return part.status().WithContext(file.name());
  const bool pruned =
      row_groups.first > 0 || (row_groups.end >= 0 && row_groups.end < file.num_row_groups());
  if (pruned) (*part)->set_coverage(timeframe);
  return part;
}

Result<std::optional<GroupCount>> CountGroups(const parquet::ParquetFile& file,
                                              const std::string& group_column,
                                              const std::string& time_column) {
  // In LoadPart's order, so that a file with several faults fails the same way.
  FROCKET_ASSIGN_OR_RETURN(const bool read_timestamps, CheckTimestampsUnread(file, time_column));
  if (read_timestamps) return std::optional<GroupCount>();
  if (Status unique = CheckUniqueColumnNames(file.schema()); !unique.ok()) {
    return unique.WithContext(file.name());
  }
  const int index = file.schema().FindColumn(group_column);
  if (index < 0) return Status::NotFound(file.name() + ": no column '" + group_column + "'");
  const ColumnDescriptor& d = file.schema().column(index);
  const bool integers = QueryTypeOf(d) == ColumnType::kInt &&
                        (d.physical_type == PhysicalType::kInt32 ||
                         (d.physical_type == PhysicalType::kInt64 && !d.is_unsigned));
  if (!integers) return std::optional<GroupCount>();
  FROCKET_RETURN_IF_ERROR(file.WillReadColumns({index}));
  FROCKET_ASSIGN_OR_RETURN(
      const parquet::DistinctCount count,
      file.CountDistinctIntegers(index, 0, file.num_row_groups(), PartReadOptions()));
  Column group;
  group.name = group_column;
  group.type = ColumnType::kInt;
  group.null_count = count.nulls;
  if (Status keys = CheckKeyColumns(group, nullptr); !keys.ok()) {
    return keys.WithContext(file.name());
  }
  return std::optional<GroupCount>(GroupCount{count.rows, count.distinct});
}

}  // namespace frocket::table
