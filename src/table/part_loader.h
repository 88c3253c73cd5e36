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

// Reads these columns of `file` in query form. Errors name the file and the column.
Result<std::vector<Column>> ReadColumns(const parquet::ParquetFile& file,
                                        const std::vector<std::string>& columns);

// Reads `columns` (which must include the group id and timestamp columns) of `file` into a
// Part. Strings are read in dictionary form where the file allows.
Result<std::shared_ptr<Part>> LoadPart(const parquet::ParquetFile& file,
                                       const std::vector<std::string>& columns,
                                       const std::string& group_column,
                                       const std::string& time_column);

}  // namespace frocket::table
