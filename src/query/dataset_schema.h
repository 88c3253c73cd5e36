// DatasetSchema: what a query is validated against — the dataset's queryable columns and
// their types, which columns hold the group id and the timestamp, and what is known of the
// timestamps (their range and unit), to check and convert timeframe bounds.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "common/column_type.h"
#include "common/time_unit.h"

namespace frocket::query {

struct DatasetSchema {
  DatasetSchema() = default;
  DatasetSchema(std::string group_id, std::string timestamp, std::map<std::string, ColumnType> cols)
      : columns(std::move(cols)),
        group_id_column(std::move(group_id)),
        timestamp_column(std::move(timestamp)) {}

  std::map<std::string, ColumnType> columns;
  std::string group_id_column;
  std::string timestamp_column;
  std::optional<double> min_timestamp;
  std::optional<double> max_timestamp;
  std::optional<TimeUnit> timestamp_unit;

  std::optional<ColumnType> TypeOf(const std::string& name) const {
    auto it = columns.find(name);
    if (it == columns.end()) return std::nullopt;
    return it->second;
  }
};

}  // namespace frocket::query
