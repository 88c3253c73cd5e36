// Parts built from rows written inline in tests (JSON arrays), without Parquet.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "common/column_type.h"
#include "common/status.h"
#include "table/part.h"

namespace frocket::testing {

struct InlineColumn {
  std::string name;
  ColumnType type;
};

// rows: an array of arrays, one value per column (null for NULL). Strings are built in
// dictionary form (codes) or plain form (offsets and bytes), so tests can run on both.
Result<std::shared_ptr<table::Part>> PartFromRows(const std::vector<InlineColumn>& columns,
                                                  const nlohmann::json& rows,
                                                  const std::string& group_column,
                                                  const std::string& time_column,
                                                  bool dictionary_strings);

// The columns of those rows, not yet a Part (so in the rows' order).
Result<std::vector<table::Column>> ColumnsFromRows(const std::vector<InlineColumn>& columns,
                                                   const nlohmann::json& rows,
                                                   bool dictionary_strings);

// Writes the rows, in the order given, as a Parquet file with frocket's writer, `rows_per_group`
// rows per row group; every column OPTIONAL, every column but BOOL dictionary-encoded (a
// dictionary per row group), as pyarrow and Spark write low-cardinality columns.
Status WriteRowsAsParquet(const std::vector<InlineColumn>& columns, const nlohmann::json& rows,
                          const std::string& path, size_t rows_per_group);

}  // namespace frocket::testing
