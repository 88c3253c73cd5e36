// `frocket parquet schema` and `frocket parquet cat`: print a Parquet file's footer facts
// and its rows, in the JSON representation of DESIGN.md §5.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "common/json_text.h"
#include "common/text.h"
#include "parquet/file_reader.h"
#include "parquet/logical_value.h"
#include "storage/local_file_source.h"

namespace frocket::cli {

namespace {

using parquet::ColumnDescriptor;
using parquet::ColumnVector;
using parquet::LogicalType;
using parquet::ParquetFile;
using parquet::PhysicalType;
using parquet::TimeUnit;
using parquet::ValueKind;

int Fail(const Status& status) {
  std::cerr << "frocket: error: " << status.message() << "\n";
  return 1;
}

Result<std::unique_ptr<ParquetFile>> OpenFile(const std::string& path) {
  FROCKET_ASSIGN_OR_RETURN(auto source, LocalFileSource::Open(path));
  return ParquetFile::Open(std::shared_ptr<ByteSource>(std::move(source)));
}

const char* UnitSuffix(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kMillis:
      return "millis";
    case TimeUnit::kMicros:
      return "micros";
    case TimeUnit::kNanos:
      return "nanos";
  }
  return "?";
}

// The name of the value representation of DESIGN.md §5 ("json_type").
std::string JsonTypeName(const ColumnDescriptor& c) {
  switch (c.kind) {
    case ValueKind::kBoolean:
      return "boolean";
    case ValueKind::kInt:
      return "int";
    case ValueKind::kFloat:
    case ValueKind::kFloat16:
      return "float";
    case ValueKind::kDecimal:
      return "decimal";
    case ValueKind::kDate:
      return "date_days";
    case ValueKind::kTime:
      return std::string("time_") + UnitSuffix(c.time_unit);
    case ValueKind::kTimestamp:
      return std::string("timestamp_") + UnitSuffix(c.time_unit);
    case ValueKind::kInt96:
      return "int96_nanos";
    case ValueKind::kString:
      return "string";
    case ValueKind::kBytes:
      return "bytes";
    case ValueKind::kUuid:
      return "uuid";
  }
  return "bytes";
}

nlohmann::ordered_json LogicalTypeJson(const std::optional<LogicalType>& lt) {
  using Kind = LogicalType::Kind;
  if (!lt) return nullptr;
  nlohmann::ordered_json j;
  switch (lt->kind) {
    case Kind::kString:
      j["type"] = "STRING";
      break;
    case Kind::kMap:
      j["type"] = "MAP";
      break;
    case Kind::kList:
      j["type"] = "LIST";
      break;
    case Kind::kEnum:
      j["type"] = "ENUM";
      break;
    case Kind::kDecimal:
      j["type"] = "DECIMAL";
      j["precision"] = lt->precision;
      j["scale"] = lt->scale;
      break;
    case Kind::kDate:
      j["type"] = "DATE";
      break;
    case Kind::kTime:
    case Kind::kTimestamp:
      j["type"] = lt->kind == Kind::kTime ? "TIME" : "TIMESTAMP";
      j["unit"] = parquet::TimeUnitName(lt->unit);
      j["is_adjusted_to_utc"] = lt->is_adjusted_to_utc;
      break;
    case Kind::kInteger:
      j["type"] = "INTEGER";
      j["bit_width"] = lt->bit_width;
      j["is_signed"] = lt->is_signed;
      break;
    case Kind::kUnknown:
      j["type"] = "UNKNOWN";
      break;
    case Kind::kJson:
      j["type"] = "JSON";
      break;
    case Kind::kBson:
      j["type"] = "BSON";
      break;
    case Kind::kUuid:
      j["type"] = "UUID";
      break;
    case Kind::kFloat16:
      j["type"] = "FLOAT16";
      break;
    case Kind::kVariant:
      j["type"] = "VARIANT";
      break;
    case Kind::kGeometry:
    case Kind::kGeography:
      j["type"] = lt->kind == Kind::kGeometry ? "GEOMETRY" : "GEOGRAPHY";
      j["crs"] = lt->crs ? nlohmann::ordered_json(*lt->crs) : nlohmann::ordered_json(nullptr);
      if (lt->kind == Kind::kGeography) {
        j["algorithm"] = lt->algorithm ? nlohmann::ordered_json(*lt->algorithm)
                                       : nlohmann::ordered_json(nullptr);
      }
      break;
    case Kind::kUnrecognized:
      j["type"] = "UNRECOGNIZED_LOGICAL_TYPE_FIELD_" + std::to_string(lt->unrecognized_field_id);
      break;
  }
  return j;
}

template <typename T>
nlohmann::ordered_json OptionalJson(const std::optional<T>& v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

void AddUnique(nlohmann::ordered_json& array, const std::string& value) {
  for (const auto& v : array) {
    if (v == value) return;
  }
  array.push_back(value);
}

// Appends the JSON form of one stored byte string: a JSON string when it is text, else
// {"base64": ...}. `allow_controls`: whether control characters other than TAB/LF/CR may
// appear in the string form (STRING columns yes, raw bytes no).
void AppendBytes(std::string* out, std::string_view bytes, bool allow_controls) {
  bool as_text = text::IsValidUtf8(bytes);
  if (as_text && !allow_controls) {
    for (char ch : bytes) {
      auto c = static_cast<unsigned char>(ch);
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
        as_text = false;
        break;
      }
      if (c == 0x7f) {
        as_text = false;
        break;
      }
    }
  }
  if (as_text) {
    text::AppendJsonString(out, bytes);
  } else {
    out->append("{\"base64\":\"");
    out->append(text::Base64Encode(bytes));
    out->append("\"}");
  }
}

void AppendFloat(std::string* out, double v) {
  if (std::isnan(v)) {
    out->append("\"NaN\"");
  } else if (std::isinf(v)) {
    out->append(v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
  } else {
    text::AppendDouble(out, v);
  }
}

// Appends the value of `row` (not null) of a plain-form vector.
void AppendValue(std::string* out, const ColumnDescriptor& c, const ColumnVector& v, int64_t row) {
  const PhysicalType p = c.physical_type;
  auto fixed = [&] { return v.FixedAt(row); };
  auto bytes = [&]() -> std::string_view {
    if (p == PhysicalType::kByteArray) return v.StringAt(row);
    auto f = fixed();
    return {reinterpret_cast<const char*>(f.data()), f.size()};
  };
  auto int_value = [&]() -> int64_t {
    return p == PhysicalType::kInt32 ? v.values_as<int32_t>()[row] : v.values_as<int64_t>()[row];
  };
  switch (c.kind) {
    case ValueKind::kBoolean:
      out->append(v.values.data()[row] ? "true" : "false");
      return;
    case ValueKind::kInt:
      if (c.is_unsigned) {
        uint64_t u = p == PhysicalType::kInt32
                         ? static_cast<uint64_t>(static_cast<uint32_t>(v.values_as<int32_t>()[row]))
                         : static_cast<uint64_t>(v.values_as<int64_t>()[row]);
        out->append(std::to_string(u));
      } else {
        out->append(std::to_string(int_value()));
      }
      return;
    case ValueKind::kDate:
    case ValueKind::kTime:
    case ValueKind::kTimestamp:
      out->append(std::to_string(int_value()));
      return;
    case ValueKind::kFloat:
      AppendFloat(out, p == PhysicalType::kFloat ? static_cast<double>(v.values_as<float>()[row])
                                                 : v.values_as<double>()[row]);
      return;
    case ValueKind::kFloat16: {
      auto f = fixed();
      AppendFloat(out, parquet::Float16ToDouble(static_cast<uint16_t>(f[0] | (f[1] << 8))));
      return;
    }
    case ValueKind::kDecimal: {
      std::string s;
      if (p == PhysicalType::kInt32 || p == PhysicalType::kInt64) {
        s = parquet::DecimalToString(int_value(), c.decimal_scale);
      } else {
        auto b = bytes();
        s = parquet::DecimalToString(reinterpret_cast<const uint8_t*>(b.data()), b.size(),
                                     c.decimal_scale);
      }
      text::AppendJsonString(out, s);
      return;
    }
    case ValueKind::kInt96:
      out->push_back('"');
      out->append(parquet::Int128ToString(parquet::Int96ToNanos(fixed().data())));
      out->push_back('"');
      return;
    case ValueKind::kString:
      AppendBytes(out, bytes(), /*allow_controls=*/true);
      return;
    case ValueKind::kBytes:
      AppendBytes(out, bytes(), /*allow_controls=*/false);
      return;
    case ValueKind::kUuid:
      out->push_back('"');
      out->append(parquet::UuidToString(fixed().data()));
      out->push_back('"');
      return;
  }
}

// Each returns the process exit code; errors go to stderr.
int RunParquetSchema(const std::string& path) {
  auto file = OpenFile(path);
  if (!file.ok()) return Fail(file.status());
  const ParquetFile& f = **file;
  const auto& meta = f.metadata();
  nlohmann::ordered_json j;
  j["file"] = path;
  j["file_size"] = f.file_size();
  j["created_by"] = OptionalJson(meta.created_by);
  j["format_version"] = meta.version;
  j["num_rows"] = f.num_rows();
  j["num_row_groups"] = f.num_row_groups();
  j["row_group_num_rows"] = nlohmann::ordered_json::array();
  for (int g = 0; g < f.num_row_groups(); ++g)
    j["row_group_num_rows"].push_back(f.row_group_num_rows(g));
  j["key_value_metadata_keys"] = nlohmann::ordered_json::array();
  for (const auto& kv : meta.key_value_metadata) j["key_value_metadata_keys"].push_back(kv.key);
  j["columns"] = nlohmann::ordered_json::array();
  for (const ColumnDescriptor& c : f.schema().columns()) {
    nlohmann::ordered_json col;
    col["name"] = c.name;
    col["physical_type"] = parquet::PhysicalTypeName(static_cast<int32_t>(c.physical_type));
    col["type_length"] = c.physical_type == PhysicalType::kFixedLenByteArray
                             ? nlohmann::ordered_json(c.type_length)
                             : nlohmann::ordered_json(nullptr);
    col["repetition"] = parquet::RepetitionName(static_cast<int32_t>(c.repetition));
    col["nullable"] = c.nullable();
    col["converted_type"] =
        c.converted_type ? nlohmann::ordered_json(parquet::ConvertedTypeName(*c.converted_type))
                         : nlohmann::ordered_json(nullptr);
    col["logical_type"] = LogicalTypeJson(c.logical_type);
    col["precision"] = OptionalJson(c.precision);
    col["scale"] = OptionalJson(c.scale);
    col["json_type"] = JsonTypeName(c);
    nlohmann::ordered_json compression = nlohmann::ordered_json::array();
    nlohmann::ordered_json encodings = nlohmann::ordered_json::array();
    bool statistics = false, offset_index = false, column_index = false, bloom = false;
    for (int g = 0; g < f.num_row_groups(); ++g) {
      const auto& chunk =
          meta.row_groups[static_cast<size_t>(g)].columns[static_cast<size_t>(c.index)];
      const auto& cm = *chunk.meta_data;
      AddUnique(compression, parquet::CodecName(cm.codec));
      for (int32_t e : cm.encodings) AddUnique(encodings, parquet::EncodingName(e));
      statistics |= cm.statistics.has_value();
      offset_index |= chunk.offset_index_offset.has_value();
      column_index |= chunk.column_index_offset.has_value();
      bloom |= cm.bloom_filter_offset.has_value();
    }
    col["compression"] = compression;
    col["encodings"] = encodings;
    col["statistics"] = statistics;
    col["offset_index"] = offset_index;
    col["column_index"] = column_index;
    col["bloom_filter"] = bloom;
    j["columns"].push_back(std::move(col));
  }
  std::cout << JsonText(j, 2) << "\n";
  return 0;
}

// The indexes of the columns named (all without names), in schema order.
Result<std::vector<int>> SelectColumns(const ParquetFile& f, const std::string& path,
                                       const std::vector<std::string>& columns) {
  std::vector<int> selected;
  if (columns.empty()) {
    for (int c = 0; c < f.schema().num_columns(); ++c) selected.push_back(c);
    return selected;
  }
  for (const auto& name : columns) {
    int index = f.schema().FindColumn(name);
    if (index < 0) {
      std::string known;
      for (const auto& c : f.schema().columns()) known += (known.empty() ? "" : ", ") + c.name;
      return Status::NotFound(path + ": no column '" + name + "' (columns: " + known + ")");
    }
    selected.push_back(index);
  }
  // Keys in schema order, whatever order the columns were asked in (DESIGN.md §5).
  std::sort(selected.begin(), selected.end());
  selected.erase(std::unique(selected.begin(), selected.end()), selected.end());
  return selected;
}

int RunParquetCat(const std::string& path, const std::vector<std::string>& columns,
                  std::optional<int64_t> limit) {
  auto opened = OpenFile(path);
  if (!opened.ok()) return Fail(opened.status());
  const ParquetFile& f = **opened;
  auto chosen = SelectColumns(f, path, columns);
  if (!chosen.ok()) return Fail(chosen.status());
  const std::vector<int>& selected = *chosen;
  if (limit && *limit < 0) return Fail(Status::Invalid("--limit must not be negative"));

  // Keys are written once per column, escaped up front.
  std::vector<std::string> keys;
  for (int c : selected) {
    std::string key;
    text::AppendJsonString(&key, f.schema().column(c).name);
    key.push_back(':');
    keys.push_back(std::move(key));
  }

  // The row groups holding the rows to print.
  const int64_t wanted = limit.value_or(INT64_MAX);
  int end_group = 0;
  for (int64_t rows = 0; end_group < f.num_row_groups() && rows < wanted; ++end_group) {
    rows += f.row_group_num_rows(end_group);
  }
  auto decode_group = [&](int g, std::vector<ColumnVector>* vectors) -> Status {
    vectors->clear();
    for (int c : selected) {
      FROCKET_ASSIGN_OR_RETURN(ColumnVector v, f.ReadColumnChunk(g, c));
      vectors->push_back(std::move(v));
    }
    return Status::OK();
  };
  // Printing goes row group by row group so memory stays bounded. So that a file that turns
  // out corrupt half way prints nothing at all, several row groups are first decoded once
  // without printing.
  std::vector<ColumnVector> vectors;
  if (end_group > 1) {
    for (int g = 0; g < end_group; ++g) {
      Status st = decode_group(g, &vectors);
      if (!st.ok()) return Fail(st);
    }
  }
  std::string out;
  int64_t printed = 0;
  for (int g = 0; g < end_group; ++g) {
    Status st = decode_group(g, &vectors);
    if (!st.ok()) return Fail(st);
    int64_t rows = f.row_group_num_rows(g);
    for (int64_t r = 0; r < rows && printed < wanted; ++r, ++printed) {
      out.push_back('{');
      for (size_t k = 0; k < selected.size(); ++k) {
        if (k > 0) out.push_back(',');
        out.append(keys[k]);
        if (vectors[k].IsNull(r)) {
          out.append("null");
        } else {
          AppendValue(&out, f.schema().column(selected[k]), vectors[k], r);
        }
      }
      out.append("}\n");
      if (out.size() > (1 << 20)) {
        std::fwrite(out.data(), 1, out.size(), stdout);
        out.clear();
      }
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  if (std::fflush(stdout) != 0) return Fail(Status::IOError("cannot write to standard output"));
  return 0;
}

}  // namespace

void AddParquetCommands(CLI::App& app, Globals& globals) {
  auto* parquet = app.add_subcommand("parquet", "Inspect a Parquet file");
  parquet->require_subcommand(1);
  auto schema_file = std::make_shared<std::string>();
  auto* schema = parquet->add_subcommand("schema", "Print a Parquet file's footer facts as JSON");
  schema->add_option("FILE", *schema_file, "Parquet file")->required();
  schema->callback([schema_file, &globals] { globals.exit_code = RunParquetSchema(*schema_file); });
  struct CatOptions {
    std::string file;
    std::vector<std::string> columns;
    std::optional<int64_t> limit;
  };
  auto o = std::make_shared<CatOptions>();
  auto* cat = parquet->add_subcommand("cat", "Print a Parquet file's rows as JSON Lines");
  cat->add_option("FILE", o->file, "Parquet file")->required();
  cat->add_option("--columns", o->columns, "Columns to print (comma-separated)")->delimiter(',');
  cat->add_option("--limit", o->limit, "Print at most this many rows");
  cat->callback(
      [o, &globals] { globals.exit_code = RunParquetCat(o->file, o->columns, o->limit); });
}

}  // namespace frocket::cli
