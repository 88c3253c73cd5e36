#include "dataset/dataset.h"

#include <sys/time.h>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <limits>

namespace frocket::dataset {

std::vector<std::string> PartsInfo::FullPaths(const std::string& basepath) const {
  std::string prefix = basepath;
  if (!prefix.empty() && prefix.back() != '/') prefix += '/';
  std::vector<std::string> out;
  out.reserve(filenames.size());
  for (const auto& f : filenames) out.push_back(prefix + f);
  return out;
}

query::DatasetSchema DatasetSchemaInfo::ForQueries() const {
  std::map<std::string, ColumnType> types;
  for (const auto& c : columns) types[c.name] = c.type;
  query::DatasetSchema s(group_id_column, timestamp_column, std::move(types));
  s.min_timestamp = min_timestamp;
  s.max_timestamp = max_timestamp;
  if (auto unit = TimestampUnit()) s.timestamp_unit = unit->unit;
  return s;
}

std::optional<DatasetSchemaInfo::Unit> DatasetSchemaInfo::TimestampUnit() const {
  const ColumnInfo* c = Find(timestamp_column);
  if (c != nullptr) {
    static const std::pair<const char*, TimeUnit> kDeclared[] = {
        {"timestamp[ms]", TimeUnit::kMillis},
        {"timestamp[us]", TimeUnit::kMicros},
        {"timestamp[ns]", TimeUnit::kNanos},
        {"timestamp[ns] (int96)", TimeUnit::kNanos},
        {"date32[day]", TimeUnit::kDays}};
    for (const auto& [name, unit] : kDeclared) {
      if (c->dtype_name == name) return Unit{unit, true};
    }
  }
  if (!min_timestamp || !max_timestamp) return std::nullopt;
  return Unit{GuessTimeUnit(*min_timestamp, *max_timestamp), false};
}

const ColumnInfo* DatasetSchemaInfo::Find(const std::string& name) const {
  for (const auto& c : columns) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

std::string NowIso8601() {
  timeval tv;
  gettimeofday(&tv, nullptr);
  tm utc;
  gmtime_r(&tv.tv_sec, &utc);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06ld+00:00", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<long>(tv.tv_usec));
  return buf;
}

nlohmann::ordered_json ToJson(const DatasetInfo& info) {
  nlohmann::ordered_json j;
  j["basepath"] = info.basepath;
  j["groupIdColumn"] = info.group_id_column;
  j["id"] = {{"name", info.id.name}, {"registeredAt", info.id.registered_at}};
  j["timestampColumn"] = info.timestamp_column;
  j["totalParts"] = info.total_parts;
  return j;
}

nlohmann::ordered_json ToJson(const PartsInfo& parts) {
  nlohmann::ordered_json j;
  j["filenames"] = parts.filenames;
  j["namingMethod"] = "LIST";
  j["totalParts"] = parts.filenames.size();
  j["totalSize"] = parts.total_size;
  j["sizes"] = parts.sizes;
  if (!parts.versions.empty()) j["versions"] = parts.versions;
  return j;
}

namespace {

// JSON has no infinities (nlohmann writes them as null): a non-finite statistic — a FLOAT
// column holding ±Infinity — is written as the string "Infinity", "-Infinity" or "NaN", and
// read back as such.
nlohmann::ordered_json NumberJson(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  return v;
}

nlohmann::ordered_json OptionalNumberJson(const std::optional<double>& v) {
  return v ? NumberJson(*v) : nlohmann::ordered_json(nullptr);
}

double NumberFromJson(const nlohmann::ordered_json& j) {
  if (j.is_string()) {
    const std::string& s = j.get_ref<const std::string&>();
    if (s == "Infinity") return std::numeric_limits<double>::infinity();
    if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
    if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
  }
  return j.get<double>();  // throws on anything else, as every other malformed field does
}

}  // namespace

nlohmann::ordered_json ToJson(const DatasetSchemaInfo& s, bool full) {
  nlohmann::ordered_json j;
  nlohmann::ordered_json columns = nlohmann::ordered_json::object();
  if (!full) {
    nlohmann::ordered_json source = nlohmann::ordered_json::array();
    nlohmann::ordered_json potential = nlohmann::ordered_json::array();
    for (const auto& c : s.columns) {
      columns[c.name] = ColumnTypeName(c.type);
      if (c.type == ColumnType::kString && c.dictionary_encoded) source.push_back(c.name);
      if (c.type == ColumnType::kString && c.categorical && !c.dictionary_encoded) {
        potential.push_back(c.name);
      }
    }
    j["columns"] = std::move(columns);
    j["minTimestamp"] = OptionalNumberJson(s.min_timestamp);
    j["maxTimestamp"] = OptionalNumberJson(s.max_timestamp);
    j["sourceCategoricals"] = std::move(source);
    j["potentialCategoricals"] = std::move(potential);
    return j;
  }
  for (const auto& c : s.columns) {
    nlohmann::ordered_json attrs;
    attrs["categorical"] = c.categorical;
    if (c.numeric_min) attrs["numericMin"] = NumberJson(*c.numeric_min);
    if (c.numeric_max) attrs["numericMax"] = NumberJson(*c.numeric_max);
    if (c.type == ColumnType::kString) {
      if (!c.top_values.empty()) {
        // Most frequent first.
        std::vector<std::pair<std::string, double>> top(c.top_values.begin(), c.top_values.end());
        std::sort(top.begin(), top.end(), [](const auto& a, const auto& b) {
          return a.second != b.second ? a.second > b.second : a.first < b.first;
        });
        nlohmann::ordered_json t = nlohmann::ordered_json::object();
        for (const auto& [value, share] : top) t[value] = share;
        attrs["catTopValues"] = std::move(t);
      }
      if (c.unique_ratio) attrs["catUniqueRatio"] = *c.unique_ratio;
      attrs["dictionaryEncoded"] = c.dictionary_encoded;
    }
    nlohmann::ordered_json col;
    col["colattrs"] = std::move(attrs);
    col["coltype"] = ColumnTypeName(c.type);
    col["dtypeName"] = c.dtype_name;
    col["name"] = c.name;
    columns[c.name] = std::move(col);
  }
  j["columns"] = std::move(columns);
  j["groupIdColumn"] = s.group_id_column;
  j["timestampColumn"] = s.timestamp_column;
  j["minTimestamp"] = OptionalNumberJson(s.min_timestamp);
  j["maxTimestamp"] = OptionalNumberJson(s.max_timestamp);
  nlohmann::ordered_json unsupported = nlohmann::ordered_json::object();
  for (const auto& [name, why] : s.unsupported_columns) unsupported[name] = why;
  j["unsupportedColumns"] = std::move(unsupported);
  return j;
}

namespace {

Status Malformed(const std::string& what, const std::exception& e) {
  return Status::Invalid("stored " + what + " is malformed: " + e.what());
}

}  // namespace

Result<DatasetInfo> DatasetInfoFromJson(const nlohmann::json& j) {
  try {
    DatasetInfo d;
    d.basepath = j.at("basepath").get<std::string>();
    d.group_id_column = j.at("groupIdColumn").get<std::string>();
    d.timestamp_column = j.at("timestampColumn").get<std::string>();
    d.id.name = j.at("id").at("name").get<std::string>();
    d.id.registered_at = j.at("id").at("registeredAt").get<std::string>();
    d.total_parts = j.at("totalParts").get<int64_t>();
    return d;
  } catch (const std::exception& e) {
    return Malformed("dataset info", e);
  }
}

Result<PartsInfo> PartsInfoFromJson(const nlohmann::json& j) {
  try {
    PartsInfo p;
    p.filenames = j.at("filenames").get<std::vector<std::string>>();
    p.sizes = j.at("sizes").get<std::vector<int64_t>>();
    p.total_size = j.at("totalSize").get<int64_t>();
    if (j.contains("versions")) p.versions = j.at("versions").get<std::vector<std::string>>();
    if (p.sizes.size() != p.filenames.size() ||
        (!p.versions.empty() && p.versions.size() != p.filenames.size())) {
      return Status::Invalid("stored part list is malformed: sizes do not match file names");
    }
    return p;
  } catch (const std::exception& e) {
    return Malformed("part list", e);
  }
}

Result<DatasetSchemaInfo> SchemaFromJson(const nlohmann::ordered_json& j) {
  try {
    DatasetSchemaInfo s;
    s.group_id_column = j.at("groupIdColumn").get<std::string>();
    s.timestamp_column = j.at("timestampColumn").get<std::string>();
    if (!j.at("minTimestamp").is_null()) s.min_timestamp = NumberFromJson(j.at("minTimestamp"));
    if (!j.at("maxTimestamp").is_null()) s.max_timestamp = NumberFromJson(j.at("maxTimestamp"));
    for (const auto& [name, col] : j.at("columns").items()) {
      ColumnInfo c;
      c.name = col.at("name").get<std::string>();
      auto type = ParseColumnType(col.at("coltype").get<std::string>());
      if (!type) return Status::Invalid("stored schema has an unknown column type");
      c.type = *type;
      c.dtype_name = col.at("dtypeName").get<std::string>();
      const auto& attrs = col.at("colattrs");
      c.categorical = attrs.value("categorical", false);
      if (attrs.contains("numericMin")) c.numeric_min = NumberFromJson(attrs["numericMin"]);
      if (attrs.contains("numericMax")) c.numeric_max = NumberFromJson(attrs["numericMax"]);
      if (attrs.contains("catTopValues")) {
        for (const auto& [value, share] : attrs["catTopValues"].items()) {
          c.top_values[value] = share.get<double>();
        }
      }
      if (attrs.contains("catUniqueRatio")) c.unique_ratio = attrs["catUniqueRatio"].get<double>();
      c.dictionary_encoded = attrs.value("dictionaryEncoded", false);
      s.columns.push_back(std::move(c));
    }
    for (const auto& [name, why] : j.at("unsupportedColumns").items()) {
      s.unsupported_columns[name] = why.get<std::string>();
    }
    return s;
  } catch (const std::exception& e) {
    return Malformed("schema", e);
  }
}

}  // namespace frocket::dataset
