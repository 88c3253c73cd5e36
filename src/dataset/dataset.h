// The metadata of a registered dataset, in Funnel Rocket's JSON shapes: DatasetInfo (what
// `list` shows), the part list, and the schema (short and full).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/column_type.h"
#include "common/status.h"
#include "common/time_unit.h"
#include "query/dataset_schema.h"

namespace frocket::dataset {

// A registration of a name: re-registering a name makes a new id (a new registered_at), and
// caches are keyed by the id, so nothing of an old registration is ever served for a new one.
struct DatasetId {
  std::string name;
  std::string registered_at;  // ISO 8601 UTC with microseconds, "2026-11-24T10:00:00.123456+00:00"

  std::string CacheKey() const { return name + "@" + registered_at; }
};

struct DatasetInfo {
  DatasetId id;
  std::string basepath;
  std::string group_id_column;
  std::string timestamp_column;
  int64_t total_parts = 0;
};

struct PartsInfo {
  std::vector<std::string> filenames;  // relative to the basepath, in lexicographic order
  std::vector<int64_t> sizes;
  // Per part, what changes when its bytes do (ObjectVersion::tag); empty for registrations
  // made before versions were recorded, whose parts are then checked by size only.
  std::vector<std::string> versions;
  int64_t total_size = 0;

  // Full paths of the parts.
  std::vector<std::string> FullPaths(const std::string& basepath) const;
};

struct ColumnInfo {
  std::string name;
  ColumnType type = ColumnType::kInt;
  std::string dtype_name;  // the Parquet type, e.g. "int64", "double", "string (dictionary)"
  std::optional<double> numeric_min;
  std::optional<double> numeric_max;
  // STRING: whether the column is dictionary-friendly (few distinct values per row), with
  // its most frequent values and their share of rows, and distinct values per row.
  bool categorical = false;
  std::map<std::string, double> top_values;
  std::optional<double> unique_ratio;
  bool dictionary_encoded = false;  // every sampled file stores it dictionary-encoded
};

struct DatasetSchemaInfo {
  std::vector<ColumnInfo> columns;                         // supported columns, in file order
  std::map<std::string, std::string> unsupported_columns;  // name -> why
  std::string group_id_column;
  std::string timestamp_column;
  std::optional<double> min_timestamp;
  std::optional<double> max_timestamp;

  query::DatasetSchema ForQueries() const;
  const ColumnInfo* Find(const std::string& name) const;

  // The timestamps' unit: declared by the column's Parquet type (TIMESTAMP, DATE), or else
  // guessed from the magnitude of the timestamps (GuessTimeUnit); nullopt without either.
  struct Unit {
    TimeUnit unit;
    bool declared;
  };
  std::optional<Unit> TimestampUnit() const;
};

std::string NowIso8601();

nlohmann::ordered_json ToJson(const DatasetInfo& info);
nlohmann::ordered_json ToJson(const PartsInfo& parts);
// Funnel Rocket's short schema ({"columns": {name: type}, "minTimestamp", ...}) or, with
// full = true, the full one (per-column attributes).
nlohmann::ordered_json ToJson(const DatasetSchemaInfo& schema, bool full);

Result<DatasetInfo> DatasetInfoFromJson(const nlohmann::json& j);
Result<PartsInfo> PartsInfoFromJson(const nlohmann::json& j);
Result<DatasetSchemaInfo> SchemaFromJson(const nlohmann::ordered_json& full);

}  // namespace frocket::dataset
