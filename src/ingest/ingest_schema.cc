#include "ingest/ingest_schema.h"

#include <algorithm>
#include <set>

#include "common/json_parse.h"
#include "ingest/value_conversion.h"

namespace frocket::ingest {

namespace {

const char* UnitSuffix(parquet::TimeUnit unit) {
  switch (unit) {
    case parquet::TimeUnit::kMillis:
      return "_MS";
    case parquet::TimeUnit::kMicros:
      return "_US";
    case parquet::TimeUnit::kNanos:
      return "_NS";
  }
  return "";
}

// Share of a sample a key column's type must fit; the rest goes to the quarantine as values
// that do not fit, rather than one bad row turning a million integer ids into strings.
constexpr double kKeyTypeShare = 0.9;

}  // namespace

std::string ColumnKindName(ColumnKind kind, parquet::TimeUnit unit) {
  switch (kind) {
    case ColumnKind::kBool:
      return "BOOL";
    case ColumnKind::kInt64:
      return "INT";
    case ColumnKind::kDouble:
      return "DOUBLE";
    case ColumnKind::kString:
      return "STRING";
    case ColumnKind::kTimestamp:
      return std::string("TIMESTAMP") + UnitSuffix(unit);
  }
  return "?";
}

Status ParseColumnKind(std::string_view name, ColumnKind* kind, parquet::TimeUnit* unit) {
  std::string upper(name);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  *unit = parquet::TimeUnit::kMicros;
  if (upper == "BOOL" || upper == "BOOLEAN") {
    *kind = ColumnKind::kBool;
  } else if (upper == "INT" || upper == "BIGINT" || upper == "INT64") {
    *kind = ColumnKind::kInt64;
  } else if (upper == "DOUBLE" || upper == "FLOAT") {
    *kind = ColumnKind::kDouble;
  } else if (upper == "STRING" || upper == "VARCHAR" || upper == "TEXT") {
    *kind = ColumnKind::kString;
  } else if (upper == "TIMESTAMP" || upper == "TIMESTAMP_US") {
    *kind = ColumnKind::kTimestamp;
  } else if (upper == "TIMESTAMP_MS") {
    *kind = ColumnKind::kTimestamp;
    *unit = parquet::TimeUnit::kMillis;
  } else if (upper == "TIMESTAMP_NS") {
    *kind = ColumnKind::kTimestamp;
    *unit = parquet::TimeUnit::kNanos;
  } else {
    return Status::Invalid("unknown column type '" + std::string(name) +
                           "' (expected BOOL, INT, DOUBLE, STRING, TIMESTAMP, TIMESTAMP_MS, "
                           "TIMESTAMP_US or TIMESTAMP_NS)");
  }
  return Status::OK();
}

int IngestSchema::Find(std::string_view name) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

std::vector<parquet::WriterColumn> IngestSchema::WriterColumns() const {
  std::vector<parquet::WriterColumn> out;
  for (size_t i = 0; i < columns.size(); ++i) {
    const IngestColumn& c = columns[i];
    parquet::WriterColumn w;
    w.name = c.name;
    // The key columns never hold NULL: such rows are quarantined.
    w.nullable = static_cast<int>(i) != group_column && static_cast<int>(i) != time_column;
    switch (c.kind) {
      case ColumnKind::kBool:
        w.physical_type = parquet::PhysicalType::kBoolean;
        break;
      case ColumnKind::kInt64:
        w.physical_type = parquet::PhysicalType::kInt64;
        break;
      case ColumnKind::kDouble:
        w.physical_type = parquet::PhysicalType::kDouble;
        break;
      case ColumnKind::kString: {
        w.physical_type = parquet::PhysicalType::kByteArray;
        parquet::LogicalType t;
        t.kind = parquet::LogicalType::Kind::kString;
        w.logical_type = t;
        break;
      }
      case ColumnKind::kTimestamp: {
        w.physical_type = parquet::PhysicalType::kInt64;
        parquet::LogicalType t;
        t.kind = parquet::LogicalType::Kind::kTimestamp;
        t.unit = c.unit;
        t.is_adjusted_to_utc = true;
        w.logical_type = t;
        break;
      }
    }
    out.push_back(std::move(w));
  }
  return out;
}

std::string IngestSchema::ToJson() const {
  nlohmann::json out = nlohmann::json::array();
  for (const IngestColumn& c : columns) {
    out.push_back({{"name", c.name}, {"type", ColumnKindName(c.kind, c.unit)}});
  }
  return out.dump();
}

Result<IngestSchema> IngestSchema::FromJson(const std::string& json_text) {
  FROCKET_ASSIGN_OR_RETURN(auto json, ParseJson(json_text));
  if (!json.is_array()) return Status::Invalid("schema: expected an array of columns");
  IngestSchema schema;
  for (const auto& c : json) {
    if (!c.is_object() || !c.contains("name") || !c["name"].is_string() || !c.contains("type") ||
        !c["type"].is_string()) {
      return Status::Invalid("schema: expected {\"name\", \"type\"} for every column");
    }
    IngestColumn column;
    column.name = c["name"].get<std::string>();
    FROCKET_RETURN_IF_ERROR(
        ParseColumnKind(c["type"].get<std::string>(), &column.kind, &column.unit));
    schema.columns.push_back(std::move(column));
  }
  return schema;
}

void ColumnSample::Add(const Cell& cell, bool is_time_column) {
  int64_t i = 0;
  double d = 0;
  bool b = false;
  switch (cell.kind) {
    case CellKind::kNull:
      ++nulls;
      return;
    case CellKind::kBool:
      ++bools;
      return;
    case CellKind::kInt:
      ++ints;
      return;
    case CellKind::kDouble:
      ++doubles;
      return;
    case CellKind::kText:
      break;
  }
  if (ParseInt64Text(cell.text, &i)) {
    ++ints;
  } else if (ParseDoubleText(cell.text, &d)) {
    ++doubles;
  } else if (ParseBoolText(cell.text, &b)) {
    ++bools;
  } else if (is_time_column && ParseTimeText(cell.text, parquet::TimeUnit::kMicros, &i)) {
    ++times;
  } else {
    ++texts;
  }
}

Result<IngestColumn> InferColumn(const std::string& name, const ColumnSample& s,
                                 bool is_group_column, bool is_time_column) {
  IngestColumn column{name, ColumnKind::kString, parquet::TimeUnit::kMicros};
  const double n = static_cast<double>(s.non_null());
  if (is_time_column) {
    if (n > 0 && static_cast<double>(s.ints) >= kKeyTypeShare * n) {
      column.kind = ColumnKind::kInt64;
    } else if (n > 0 && static_cast<double>(s.times) >= kKeyTypeShare * n) {
      column.kind = ColumnKind::kTimestamp;
    } else {
      return Status::Invalid(
          "timestamp column '" + name + "': of " + std::to_string(s.non_null()) +
          " sampled values, " + std::to_string(s.ints) + " are integers and " +
          std::to_string(s.times) +
          " ISO-8601 times; at least 90% must be one or the other (or say which with --type " +
          name + "=INT|TIMESTAMP)");
    }
    return column;
  }
  if (is_group_column) {
    if (n > 0 && static_cast<double>(s.ints) >= kKeyTypeShare * n) column.kind = ColumnKind::kInt64;
    return column;
  }
  if (n == 0 || s.texts > 0 || s.times > 0) return column;
  if (s.bools > 0) {
    if (s.ints == 0 && s.doubles == 0) column.kind = ColumnKind::kBool;
    return column;
  }
  column.kind = s.doubles > 0 ? ColumnKind::kDouble : ColumnKind::kInt64;
  return column;
}

Result<IngestColumn> ParquetColumn(const parquet::ColumnDescriptor& c) {
  IngestColumn column{c.name, ColumnKind::kString, parquet::TimeUnit::kMicros};
  if (c.repetition == parquet::Repetition::kRepeated) {
    return Status::NotImplemented("column '" + c.name +
                                  "' is repeated (a list); repartition writes flat columns only "
                                  "(leave it out with --columns)");
  }
  switch (c.kind) {
    case parquet::ValueKind::kBoolean:
      column.kind = ColumnKind::kBool;
      return column;
    case parquet::ValueKind::kInt:
      column.kind = ColumnKind::kInt64;
      return column;
    case parquet::ValueKind::kFloat:
      column.kind = ColumnKind::kDouble;
      return column;
    case parquet::ValueKind::kString:
      return column;
    case parquet::ValueKind::kTimestamp:
      column.kind = ColumnKind::kTimestamp;
      column.unit = c.time_unit;
      return column;
    default:
      return Status::NotImplemented("column '" + c.name +
                                    "': repartition writes BOOL, INT, DOUBLE, STRING and "
                                    "TIMESTAMP columns, not this one's type (leave it out with "
                                    "--columns)");
  }
}

namespace {

// Two inputs' types of one column (not the timestamp column, which must agree): INT and
// DOUBLE make DOUBLE, anything else that differs makes STRING (a group id column that is INT
// in one input and STRING in another hashes the same either way).
IngestColumn MergeTwo(const IngestColumn& a, const IngestColumn& b, bool is_group_column) {
  if (a == b) return a;
  auto numeric = [](ColumnKind k) { return k == ColumnKind::kInt64 || k == ColumnKind::kDouble; };
  if (numeric(a.kind) && numeric(b.kind) && !is_group_column) {
    return IngestColumn{a.name, ColumnKind::kDouble, parquet::TimeUnit::kMicros};
  }
  return IngestColumn{a.name, ColumnKind::kString, parquet::TimeUnit::kMicros};
}

}  // namespace

Result<IngestSchema> MergeInputColumns(const std::vector<std::string>& input_names,
                                       const std::vector<InputColumns>& inputs,
                                       const SchemaRequest& request) {
  IngestSchema schema;
  std::vector<std::string> first_seen_in;
  for (size_t i = 0; i < inputs.size(); ++i) {
    for (const IngestColumn& c : inputs[i].columns) {
      const int at = schema.Find(c.name);
      if (at < 0) {
        schema.columns.push_back(c);
        first_seen_in.push_back(input_names[i]);
        continue;
      }
      IngestColumn& merged = schema.columns[static_cast<size_t>(at)];
      // An override decides the type: no need to agree.
      if (request.type_overrides.count(c.name)) continue;
      const bool is_key = c.name == request.group_column;
      const bool is_time = c.name == request.time_column;
      if (is_time && !(merged == c)) {
        return Status::Invalid("timestamp column '" + c.name + "' is " +
                               ColumnKindName(merged.kind, merged.unit) + " in " +
                               first_seen_in[static_cast<size_t>(at)] + " and " +
                               ColumnKindName(c.kind, c.unit) + " in " + input_names[i] +
                               " (say which with --type " + c.name + "=...)");
      }
      merged = MergeTwo(merged, c, is_key);
    }
  }
  for (const auto& [name, type] : request.type_overrides) {
    const int at = schema.Find(name);
    if (at < 0) return Status::Invalid("--type " + name + ": no input has a column '" + name + "'");
    IngestColumn& c = schema.columns[static_cast<size_t>(at)];
    FROCKET_RETURN_IF_ERROR(ParseColumnKind(type, &c.kind, &c.unit).WithContext("--type " + name));
  }
  if (!request.keep_columns.empty()) {
    std::set<std::string> keep(request.keep_columns.begin(), request.keep_columns.end());
    keep.insert(request.group_column);
    keep.insert(request.time_column);
    for (const std::string& name : keep) {
      if (schema.Find(name) < 0) {
        return Status::Invalid("--columns: no input has a column '" + name + "'");
      }
    }
    std::erase_if(schema.columns, [&](const IngestColumn& c) { return !keep.count(c.name); });
  }
  schema.group_column = schema.Find(request.group_column);
  schema.time_column = schema.Find(request.time_column);
  if (schema.group_column < 0) {
    return Status::Invalid("no input has the group id column '" + request.group_column + "'");
  }
  if (schema.time_column < 0) {
    return Status::Invalid("no input has the timestamp column '" + request.time_column + "'");
  }
  const IngestColumn& g = schema.columns[static_cast<size_t>(schema.group_column)];
  if (g.kind != ColumnKind::kInt64 && g.kind != ColumnKind::kString) {
    return Status::Invalid("group id column '" + g.name + "' is " + ColumnKindName(g.kind, g.unit) +
                           "; it must be INT or STRING (say which with --type)");
  }
  const IngestColumn& t = schema.columns[static_cast<size_t>(schema.time_column)];
  if (t.kind != ColumnKind::kInt64 && t.kind != ColumnKind::kTimestamp) {
    return Status::Invalid("timestamp column '" + t.name + "' is " +
                           ColumnKindName(t.kind, t.unit) +
                           "; it must be INT or TIMESTAMP (say which with --type)");
  }
  return schema;
}

}  // namespace frocket::ingest
