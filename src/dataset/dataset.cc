#include "dataset/dataset.h"

#include <sys/time.h>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <limits>

#include "common/json_fields.h"

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

Status Malformed(const std::string& what, const Status& problem) {
  return Status::Invalid("stored " + what + " is malformed: " + problem.message());
}

// A stored number: a JSON number, or "Infinity", "-Infinity", "NaN".
std::optional<double> StoredNumber(const nlohmann::ordered_json& j) {
  if (j.is_string()) {
    const std::string& s = j.get_ref<const std::string&>();
    if (s == "Infinity") return std::numeric_limits<double>::infinity();
    if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
    if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
    return std::nullopt;
  }
  return OrderedJsonFields::As<double>(j);
}

// An optional stored number member: absent or null is nullopt.
std::optional<double> OptionalNumber(OrderedJsonFields& f, const nlohmann::ordered_json& object,
                                     const char* key) {
  if (!object.contains(key) || object[key].is_null()) return std::nullopt;
  auto v = StoredNumber(object[key]);
  if (!v) f.Fail("member '" + std::string(key) + "' is not a number");
  return v;
}

Result<ColumnInfo> StoredColumn(const nlohmann::ordered_json& col) {
  OrderedJsonFields f(col);
  ColumnInfo c;
  c.name = f.Get<std::string>("name");
  const std::string type = f.Get<std::string>("coltype");
  c.dtype_name = f.Get<std::string>("dtypeName");
  const nlohmann::ordered_json& attrs = f.Raw("colattrs");
  if (!f.status().ok()) return f.status();
  OrderedJsonFields a(attrs);
  c.categorical = a.GetOr<bool>("categorical", false);
  c.numeric_min = OptionalNumber(a, attrs, "numericMin");
  c.numeric_max = OptionalNumber(a, attrs, "numericMax");
  if (attrs.contains("catTopValues")) {
    const auto& top = attrs["catTopValues"];
    if (!top.is_object()) a.Fail("member 'catTopValues' is not an object");
    for (const auto& [value, share] : top.items()) {
      auto v = OrderedJsonFields::As<double>(share);
      if (!v) a.Fail("member 'catTopValues' holds a share that is not a number");
      c.top_values[value] = v.value_or(0);
    }
  }
  if (attrs.contains("catUniqueRatio")) c.unique_ratio = a.Get<double>("catUniqueRatio");
  c.dictionary_encoded = a.GetOr<bool>("dictionaryEncoded", false);
  if (!a.status().ok()) return a.status().WithContext("colattrs");
  auto parsed = ParseColumnType(type);
  if (!parsed) return Status::Invalid("unknown column type '" + type + "'");
  c.type = *parsed;
  return c;
}

}  // namespace

Result<DatasetInfo> DatasetInfoFromJson(const nlohmann::json& j) {
  JsonFields f(j);
  DatasetInfo d;
  d.basepath = f.Get<std::string>("basepath");
  d.group_id_column = f.Get<std::string>("groupIdColumn");
  d.timestamp_column = f.Get<std::string>("timestampColumn");
  d.total_parts = f.Get<int64_t>("totalParts");
  JsonFields id(f.Raw("id"));
  d.id.name = id.Get<std::string>("name");
  d.id.registered_at = id.Get<std::string>("registeredAt");
  for (const Status& s : {f.status(), id.status().WithContext("id")}) {
    if (!s.ok()) return Malformed("dataset info", s);
  }
  return d;
}

Result<PartsInfo> PartsInfoFromJson(const nlohmann::json& j) {
  JsonFields f(j);
  PartsInfo p;
  p.filenames = f.Get<std::vector<std::string>>("filenames");
  p.total_size = f.Get<int64_t>("totalSize");
  p.versions = f.GetOr<std::vector<std::string>>("versions", {});
  const nlohmann::json& sizes = f.Raw("sizes");
  if (!sizes.is_array()) f.Fail("member 'sizes' is not an array");
  for (const auto& size : sizes) {
    auto v = JsonFields::As<int64_t>(size);
    if (!v) f.Fail("member 'sizes' holds a value that is not an integer");
    p.sizes.push_back(v.value_or(0));
  }
  if (!f.status().ok()) return Malformed("part list", f.status());
  if (p.sizes.size() != p.filenames.size() ||
      (!p.versions.empty() && p.versions.size() != p.filenames.size())) {
    return Status::Invalid("stored part list is malformed: sizes do not match file names");
  }
  return p;
}

Result<DatasetSchemaInfo> SchemaFromJson(const nlohmann::ordered_json& j) {
  OrderedJsonFields f(j);
  DatasetSchemaInfo s;
  s.group_id_column = f.Get<std::string>("groupIdColumn");
  s.timestamp_column = f.Get<std::string>("timestampColumn");
  f.Raw("minTimestamp");  // required, though it may be null
  f.Raw("maxTimestamp");
  s.min_timestamp = OptionalNumber(f, j, "minTimestamp");
  s.max_timestamp = OptionalNumber(f, j, "maxTimestamp");
  const nlohmann::ordered_json& columns = f.Raw("columns");
  const nlohmann::ordered_json& unsupported = f.Raw("unsupportedColumns");
  if (!columns.is_object()) f.Fail("member 'columns' is not an object");
  if (!unsupported.is_object()) f.Fail("member 'unsupportedColumns' is not an object");
  if (!f.status().ok()) return Malformed("schema", f.status());
  for (const auto& [name, col] : columns.items()) {
    auto c = StoredColumn(col);
    if (!c.ok()) return Malformed("schema", c.status().WithContext("column '" + name + "'"));
    s.columns.push_back(std::move(*c));
  }
  for (const auto& [name, why] : unsupported.items()) {
    auto text = OrderedJsonFields::As<std::string>(why);
    if (!text) return Malformed("schema", Status::Invalid("unsupportedColumns." + name));
    s.unsupported_columns[name] = *text;
  }
  return s;
}

}  // namespace frocket::dataset
