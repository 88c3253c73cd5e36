#include "support/inline_part.h"

#include <algorithm>
#include <map>

#include "parquet/file_writer.h"

namespace frocket::testing {

Result<std::vector<table::Column>> ColumnsFromRows(const std::vector<InlineColumn>& columns,
                                                   const nlohmann::json& rows,
                                                   bool dictionary_strings) {
  if (!rows.is_array()) return Status::Invalid("rows must be an array");
  const size_t n = rows.size();
  for (size_t r = 0; r < n; ++r) {
    if (!rows[r].is_array() || rows[r].size() != columns.size()) {
      return Status::Invalid("row " + std::to_string(r) + " must be an array of " +
                             std::to_string(columns.size()) + " values");
    }
  }
  std::vector<table::Column> out;
  for (size_t c = 0; c < columns.size(); ++c) {
    table::Column col;
    col.name = columns[c].name;
    col.type = columns[c].type;
    col.length = static_cast<int64_t>(n);
    col.validity.ResizeZeroed(bitmap::BytesFor(n));
    auto cell = [&](size_t r) -> const nlohmann::json& { return rows[r][c]; };
    std::vector<std::string> strings(n);
    for (size_t r = 0; r < n; ++r) {
      const nlohmann::json& v = cell(r);
      if (v.is_null()) {
        ++col.null_count;
        continue;
      }
      bitmap::Set(col.validity.data(), r);
      bool ok = (col.type == ColumnType::kInt && v.is_number_integer()) ||
                (col.type == ColumnType::kFloat && v.is_number()) ||
                (col.type == ColumnType::kBool && v.is_boolean()) ||
                (col.type == ColumnType::kString && v.is_string());
      if (!ok) {
        return Status::Invalid("row " + std::to_string(r) + ": " + v.dump() + " is not a " +
                               ColumnTypeName(col.type) + " for column " + col.name);
      }
      if (col.type == ColumnType::kString) strings[r] = v.get<std::string>();
    }
    switch (col.type) {
      case ColumnType::kInt:
        col.values.ResizeZeroed(n * 8);
        for (size_t r = 0; r < n; ++r) {
          if (!cell(r).is_null()) col.values.as<int64_t>()[r] = cell(r).get<int64_t>();
        }
        break;
      case ColumnType::kFloat:
        col.values.ResizeZeroed(n * 8);
        for (size_t r = 0; r < n; ++r) {
          if (!cell(r).is_null()) col.values.as<double>()[r] = cell(r).get<double>();
        }
        break;
      case ColumnType::kBool:
        col.values.ResizeZeroed(n);
        for (size_t r = 0; r < n; ++r) {
          if (!cell(r).is_null()) col.values.data()[r] = cell(r).get<bool>();
        }
        break;
      case ColumnType::kString: {
        parquet::ColumnVector& v = col.encoded;
        v.physical_type = parquet::PhysicalType::kByteArray;
        v.length = static_cast<int64_t>(n);
        v.null_count = col.null_count;
        if (dictionary_strings) {
          auto dict = std::make_shared<parquet::ColumnVector>();
          dict->physical_type = parquet::PhysicalType::kByteArray;
          std::map<std::string, int32_t> index;
          std::vector<std::string> entries;
          v.codes.Resize(n * 4);
          for (size_t r = 0; r < n; ++r) {
            if (cell(r).is_null()) continue;
            auto [it, inserted] = index.emplace(strings[r], static_cast<int32_t>(entries.size()));
            if (inserted) entries.push_back(strings[r]);
            v.codes.as<int32_t>()[r] = it->second;
          }
          for (size_t r = 0; r < n; ++r) {
            if (cell(r).is_null()) v.codes.as<int32_t>()[r] = static_cast<int32_t>(entries.size());
          }
          dict->length = static_cast<int64_t>(entries.size());
          dict->offsets.Resize((entries.size() + 1) * 4);
          dict->offsets.as<uint32_t>()[0] = 0;
          for (size_t e = 0; e < entries.size(); ++e) {
            dict->data.Append(entries[e].data(), entries[e].size());
            dict->offsets.as<uint32_t>()[e + 1] = static_cast<uint32_t>(dict->data.size());
          }
          v.dictionary = std::move(dict);
        } else {
          v.offsets.Resize((n + 1) * 4);
          v.offsets.as<uint32_t>()[0] = 0;
          for (size_t r = 0; r < n; ++r) {
            v.data.Append(strings[r].data(), strings[r].size());
            v.offsets.as<uint32_t>()[r + 1] = static_cast<uint32_t>(v.data.size());
          }
        }
        break;
      }
    }
    if (col.null_count == 0) col.validity = Buffer();
    out.push_back(std::move(col));
  }
  return out;
}

Result<std::shared_ptr<table::Part>> PartFromRows(const std::vector<InlineColumn>& columns,
                                                  const nlohmann::json& rows,
                                                  const std::string& group_column,
                                                  const std::string& time_column,
                                                  bool dictionary_strings) {
  FROCKET_ASSIGN_OR_RETURN(auto out, ColumnsFromRows(columns, rows, dictionary_strings));
  return table::Part::Make(std::move(out), group_column, time_column);
}

Status WriteRowsAsParquet(const std::vector<InlineColumn>& columns, const nlohmann::json& rows,
                          const std::string& path, size_t rows_per_group) {
  if (!rows.is_array()) return Status::Invalid("rows must be an array");
  if (rows_per_group == 0) return Status::Invalid("rows_per_group must be positive");
  parquet::LogicalType text;
  text.kind = parquet::LogicalType::Kind::kString;
  std::vector<parquet::WriterColumn> schema;
  for (const InlineColumn& c : columns) {
    parquet::WriterColumn w;
    w.name = c.name;
    w.nullable = true;
    switch (c.type) {
      case ColumnType::kInt:
        w.physical_type = parquet::PhysicalType::kInt64;
        break;
      case ColumnType::kFloat:
        w.physical_type = parquet::PhysicalType::kDouble;
        break;
      case ColumnType::kBool:
        w.physical_type = parquet::PhysicalType::kBoolean;
        break;
      case ColumnType::kString:
        w.physical_type = parquet::PhysicalType::kByteArray;
        w.logical_type = text;
        break;
    }
    schema.push_back(std::move(w));
  }
  parquet::WriterOptions options;
  options.codec = parquet::CompressionCodec::kSnappy;
  options.always_dictionary = true;
  FROCKET_ASSIGN_OR_RETURN(auto writer, parquet::ParquetWriter::Create(path, schema, options));
  for (size_t begin = 0; begin < rows.size(); begin += rows_per_group) {
    nlohmann::json slice = nlohmann::json::array();
    for (size_t r = begin; r < std::min(rows.size(), begin + rows_per_group); ++r) {
      slice.push_back(rows[r]);
    }
    FROCKET_ASSIGN_OR_RETURN(auto group, ColumnsFromRows(columns, slice, false));
    // A plain-form Column holds what the writer takes: int64, double, one byte per BOOL,
    // offsets and bytes per STRING.
    std::vector<parquet::ColumnVector> vectors;
    for (size_t c = 0; c < group.size(); ++c) {
      table::Column& col = group[c];
      parquet::ColumnVector v;
      if (col.type == ColumnType::kString) {
        v = std::move(col.encoded);
      } else {
        v.values = std::move(col.values);
        v.value_width = col.type == ColumnType::kBool ? 1 : 8;
      }
      v.physical_type = schema[c].physical_type;
      v.length = col.length;
      v.null_count = col.null_count;
      v.validity = std::move(col.validity);
      vectors.push_back(std::move(v));
    }
    FROCKET_RETURN_IF_ERROR(writer->WriteRowGroup(vectors));
  }
  return writer->Close();
}

}  // namespace frocket::testing
