// IngestSchema: the columns of a dataset being written by `frocket repartition` — their names
// and the five column types it writes — and how they are found: read from a Parquet schema,
// inferred from a sample of text records (CSV, JSON Lines), merged over several inputs, and
// overridden by the user (--type col=INT).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "ingest/cell_batch.h"
#include "parquet/file_writer.h"
#include "parquet/schema.h"

namespace frocket::ingest {

// A timestamp column holds integers in its unit (TIMESTAMP in Parquet); ISO-8601 text read
// into one is converted to microseconds, DuckDB's unit.
enum class ColumnKind : uint8_t { kBool, kInt64, kDouble, kString, kTimestamp };

// "BOOL", "INT", "DOUBLE", "STRING", "TIMESTAMP_MS" / "TIMESTAMP_US" / "TIMESTAMP_NS".
std::string ColumnKindName(ColumnKind kind, parquet::TimeUnit unit);
// The inverse, for --type; also "TIMESTAMP" (microseconds), "BIGINT", "BOOLEAN", "VARCHAR".
Status ParseColumnKind(std::string_view name, ColumnKind* kind, parquet::TimeUnit* unit);

struct IngestColumn {
  std::string name;
  ColumnKind kind = ColumnKind::kString;
  parquet::TimeUnit unit = parquet::TimeUnit::kMicros;  // kTimestamp

  bool operator==(const IngestColumn&) const = default;
};

struct IngestSchema {
  std::vector<IngestColumn> columns;  // in the output files' order
  int group_column = -1;              // index into columns
  int time_column = -1;

  int Find(std::string_view name) const;
  std::vector<parquet::WriterColumn> WriterColumns() const;
  // [{"name", "type"}...]: how _report.json records it.
  std::string ToJson() const;
  static Result<IngestSchema> FromJson(const std::string& json_text);
};

// What a sample of one column's cells looked like (text classified by what it parses as).
struct ColumnSample {
  int64_t nulls = 0, bools = 0, ints = 0, doubles = 0, times = 0, texts = 0;
  int64_t non_null() const { return bools + ints + doubles + times + texts; }
  void Add(const Cell& cell, bool is_time_column);
};

// One input's columns as far as it tells: a Parquet schema's types, or a text sample.
struct InputColumns {
  std::vector<IngestColumn> columns;
};

// The type of a column of a text input, from its sample (the rules are in the .cc).
Result<IngestColumn> InferColumn(const std::string& name, const ColumnSample& sample,
                                 bool is_group_column, bool is_time_column);
// A Parquet column's type, or NotImplemented naming what repartition cannot write.
Result<IngestColumn> ParquetColumn(const parquet::ColumnDescriptor& column);

struct SchemaRequest {
  std::string group_column;
  std::string time_column;
  std::vector<std::string> keep_columns;              // --columns: empty keeps every column
  std::map<std::string, std::string> type_overrides;  // --type name=TYPE
};

// The dataset's schema over all inputs: columns in the order first seen, types merged
// (INT and DOUBLE make DOUBLE; any other disagreement makes STRING, except for the two key
// columns, where it is an error), then --columns and --type applied.
Result<IngestSchema> MergeInputColumns(const std::vector<std::string>& input_names,
                                       const std::vector<InputColumns>& inputs,
                                       const SchemaRequest& request);

}  // namespace frocket::ingest
