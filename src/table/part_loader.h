// Loading a Part from a Parquet file: which Parquet columns queries can use, as which type,
// and their conversion to the engine's representation.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/column_type.h"
#include "parquet/file_reader.h"
#include "table/part.h"

namespace frocket::table {

// The query type of a Parquet column (DESIGN.md §2): integers, dates, times and timestamps
// are INT (timestamps in their stored unit, INT96 in nanoseconds), floating point is FLOAT,
// BOOLEAN is BOOL, byte arrays are STRING. Decimals and fixed-length binaries are not
// supported (nullopt).
std::optional<ColumnType> QueryTypeOf(const parquet::ColumnDescriptor& column);

// How parts read their columns: strings and integers in dictionary form where the file
// allows (see Column).
parquet::ReadOptions PartReadOptions();

// Converts a decoded Parquet column (read with PartReadOptions). Errors name the column.
Result<Column> ToColumn(const parquet::ColumnDescriptor& descriptor, parquet::ColumnVector vector);

// Fails naming the column if two columns of the file have the same name: which one a query
// (or a schema) would see is then anyone's guess.
Status CheckUniqueColumnNames(const parquet::Schema& schema);

// Row groups [first, end) of a file; end < 0: to the last.
struct RowGroupRange {
  int first = 0;
  int end = -1;
};

// The row groups that can hold rows inside `timeframe`, by the statistics of the timestamp
// column (of query type `time_type`): from the first to the last whose min/max do not rule it
// out. Every row group where statistics are missing, or the column's values are not the
// engine's keys as stored (unsigned, INT96, FLOAT16); none if none can.
RowGroupRange RowGroupsInTimeframe(const parquet::ParquetFile& file, const std::string& time_column,
                                   ColumnType time_type, const TimeKeyRange& timeframe);

// Reads these columns of `file` (of those row groups) in query form. Errors name the file and
// the column.
Result<std::vector<Column>> ReadColumns(const parquet::ParquetFile& file,
                                        const std::vector<std::string>& columns,
                                        RowGroupRange row_groups = {});

// Reads `columns` (which must include the group id column) of `file` into a Part: without
// the timestamp column, a part whose rows are in the file's order (for queries that need no
// time) — the column is still checked to be there without nulls, by the footer, or read
// where the footer does not tell. Strings are read in dictionary form where the file allows.
// With a timeframe, only the row groups that can hold rows inside it, and of rows that are not
// in time order only those inside it, as Part::Make sorts them (the part's coverage is then
// the timeframe).
Result<std::shared_ptr<Part>> LoadPart(const parquet::ParquetFile& file,
                                       std::vector<std::string> columns,
                                       const std::string& group_column,
                                       const std::string& time_column,
                                       const TimeKeyRange& timeframe = {});

// A part's rows and groups, for a query that needs nothing more of them.
struct GroupCount {
  int64_t rows = 0;
  int64_t groups = 0;
};

// The rows and groups of the Part LoadPart would load without its timestamps, counted from
// `file` without loading it: the group ids' distinct values counted, nothing kept per row.
// Checks what LoadPart checks (the columns there, their names unique, neither with nulls) and
// fails as it would. nullopt where only loading the part can tell: group ids that are not
// INT32 or signed INT64 integers, or timestamps whose nulls the footer does not tell.
Result<std::optional<GroupCount>> CountGroups(const parquet::ParquetFile& file,
                                              const std::string& group_column,
                                              const std::string& time_column);

}  // namespace frocket::table
