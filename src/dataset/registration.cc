#include "dataset/registration.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <unordered_map>

#include "common/config.h"
#include "common/random.h"
#include "parquet/file_reader.h"
#include "table/part_loader.h"

namespace frocket::dataset {

namespace {

using parquet::ColumnDescriptor;
using parquet::ValueKind;

std::string DtypeName(const ColumnDescriptor& c) {
  auto unit = [](parquet::TimeUnit u) {
    return u == parquet::TimeUnit::kMillis ? "ms" : u == parquet::TimeUnit::kMicros ? "us" : "ns";
  };
  switch (c.kind) {
    case ValueKind::kBoolean:
      return "bool";
    case ValueKind::kInt: {
      std::string base = c.is_unsigned ? "uint" : "int";
      int bits = c.physical_type == parquet::PhysicalType::kInt32 ? 32 : 64;
      if (c.logical_type && c.logical_type->kind == parquet::LogicalType::Kind::kInteger) {
        bits = c.logical_type->bit_width;
      }
      return base + std::to_string(bits);
    }
    case ValueKind::kFloat:
      return c.physical_type == parquet::PhysicalType::kFloat ? "float32" : "float64";
    case ValueKind::kFloat16:
      return "float16";
    case ValueKind::kDate:
      return "date32[day]";
    case ValueKind::kTime:
      return std::string("time[") + unit(c.time_unit) + "]";
    case ValueKind::kTimestamp:
      return std::string("timestamp[") + unit(c.time_unit) + "]";
    case ValueKind::kInt96:
      return "timestamp[ns] (int96)";
    case ValueKind::kString:
      return "string";
    case ValueKind::kBytes:
      return "binary";
    case ValueKind::kDecimal:
      return "decimal(" + std::to_string(c.decimal_precision) + "," +
             std::to_string(c.decimal_scale) + ")";
    case ValueKind::kUuid:
      return "uuid";
  }
  return "unknown";
}

// Whether two parts have the same columns with the same types; if not, *why says how they
// differ, naming both parts.
bool SameColumns(const std::string& a_name, const DatasetSchemaInfo& a, const std::string& b_name,
                 const DatasetSchemaInfo& b, std::string* why) {
  std::map<std::string, ColumnType> ca, cb;
  for (const auto& c : a.columns) ca[c.name] = c.type;
  for (const auto& c : b.columns) cb[c.name] = c.type;
  for (const auto& [name, type] : ca) {
    auto it = cb.find(name);
    if (it == cb.end()) {
      *why = "column '" + name + "' (" + ColumnTypeName(type) + ") of " + a_name +
             " is missing from " + b_name;
      return false;
    }
    if (it->second != type) {
      *why = "column '" + name + "' is " + ColumnTypeName(type) + " in " + a_name + " but " +
             ColumnTypeName(it->second) + " in " + b_name;
      return false;
    }
  }
  for (const auto& [name, type] : cb) {
    if (!ca.count(name)) {
      *why = b_name + " has column '" + name + "' (" + ColumnTypeName(type) + "), which " + a_name +
             " lacks";
      return false;
    }
  }
  return true;
}

}  // namespace

Result<ValidationMode> ParseValidationMode(const std::string& name) {
  std::string lower;
  for (char c : name)
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (lower == "single") return ValidationMode::kSingle;
  if (lower == "first_last") return ValidationMode::kFirstLast;
  if (lower == "sample") return ValidationMode::kSample;
  return Status::Invalid("unknown validation mode '" + name +
                         "' (expected single, first_last or sample)");
}

const char* ValidationModeName(ValidationMode mode) {
  switch (mode) {
    case ValidationMode::kSingle:
      return "SINGLE";
    case ValidationMode::kFirstLast:
      return "FIRST_LAST";
    case ValidationMode::kSample:
      return "SAMPLE";
  }
  return "?";
}

Result<InspectionSettings> InspectionSettings::FromConfig() {
  InspectionSettings s;
  FROCKET_ASSIGN_OR_RETURN(s.categorical_ratio,
                           Config::Double("FROCKET_DATASET_CATEGORICAL_RATIO"));
  FROCKET_ASSIGN_OR_RETURN(s.top_count, Config::Int("FROCKET_DATASET_CATEGORICAL_TOP_COUNT", 0));
  FROCKET_ASSIGN_OR_RETURN(s.top_min_share,
                           Config::Double("FROCKET_DATASET_CATEGORICAL_TOP_MINPCT"));
  return s;
}

namespace {

// The file's columns frocket can query, and those it cannot with their Parquet types.
std::vector<std::string> ReadColumns(const parquet::Schema& file_schema,
                                     DatasetSchemaInfo* schema) {
  std::vector<std::string> supported;
  for (const auto& c : file_schema.columns()) {
    auto type = table::QueryTypeOf(c);
    if (!type) {
      schema->unsupported_columns[c.name] = DtypeName(c);
      continue;
    }
    ColumnInfo info;
    info.name = c.name;
    info.type = *type;
    info.dtype_name = DtypeName(c);
    schema->columns.push_back(std::move(info));
    supported.push_back(c.name);
  }
  return supported;
}

// The group id or timestamp column: present, supported, of one of `types`.
Status RequireColumn(const DatasetSchemaInfo& schema, const std::string& part,
                     const std::string& column, const char* role,
                     std::initializer_list<ColumnType> types) {
  const ColumnInfo* c = schema.Find(column);
  if (c == nullptr) {
    if (auto it = schema.unsupported_columns.find(column); it != schema.unsupported_columns.end()) {
      return Status::Invalid(part + ": the " + role + " column '" + column + "' has type " +
                             it->second + ", which is not supported");
    }
    return Status::Invalid(part + ": no " + role + " column '" + column + "'");
  }
  for (ColumnType t : types) {
    if (c->type == t) return Status::OK();
  }
  std::string allowed;
  for (ColumnType t : types) {
    allowed += (allowed.empty() ? "" : " or ") + std::string(ColumnTypeName(t));
  }
  return Status::Invalid(part + ": the " + role + " column '" + column + "' is " +
                         ColumnTypeName(c->type) + "; it must be " + allowed);
}

// The smallest and largest value of a numeric column (NULLs and NaNs left out).
template <typename T>
void NumericRange(const table::Column& c, const T* values, ColumnInfo* info) {
  for (int64_t r = 0; r < c.length; ++r) {
    if (c.IsNull(r)) continue;
    const auto v = static_cast<double>(values[r]);
    if (std::isnan(v)) continue;
    info->numeric_min = info->numeric_min ? std::min(*info->numeric_min, v) : v;
    info->numeric_max = info->numeric_max ? std::max(*info->numeric_max, v) : v;
  }
}

// A string column's distinct share, whether it is categorical, and its most common values.
void StringStatistics(const table::Part& part, const table::Column& c,
                      const InspectionSettings& settings, ColumnInfo* info) {
  info->dictionary_encoded = c.is_dictionary();
  const table::ValueCodes& codes = part.Codes(info->name);
  std::vector<int64_t> counts(static_cast<size_t>(codes.num_values()) + 1, 0);
  for (int64_t r = 0; r < c.length; ++r) ++counts[static_cast<size_t>(codes.codes()[r])];
  int64_t distinct = 0;
  for (int32_t v = 0; v < codes.num_values(); ++v) distinct += counts[static_cast<size_t>(v)] > 0;
  info->unique_ratio =
      c.length > 0 ? static_cast<double>(distinct) / static_cast<double>(c.length) : 0.0;
  info->categorical = c.length > 0 && *info->unique_ratio < settings.categorical_ratio;
  if (!info->categorical || settings.top_count <= 0) return;
  std::vector<int32_t> order;
  for (int32_t v = 0; v < codes.num_values(); ++v) {
    if (counts[static_cast<size_t>(v)] > 0) order.push_back(v);
  }
  std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    return counts[static_cast<size_t>(a)] > counts[static_cast<size_t>(b)];
  });
  for (size_t i = 0; i < order.size() && static_cast<int64_t>(i) < settings.top_count; ++i) {
    const double share =
        static_cast<double>(counts[static_cast<size_t>(order[i])]) / static_cast<double>(c.length);
    info->top_values[std::get<std::string>(codes.value(order[i]))] = share;
  }
}

// The part's group ids, sorted.
template <typename T>
std::vector<T> SortedGroupIds(const table::ValueCodes& ids) {
  std::vector<T> v;
  v.reserve(static_cast<size_t>(ids.num_values()));
  for (int32_t g = 0; g < ids.num_values(); ++g) v.push_back(std::get<T>(ids.value(g)));
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

Result<PartInspection> InspectPart(std::shared_ptr<ByteSource> source,
                                   const std::string& group_id_column,
                                   const std::string& timestamp_column, bool return_group_ids,
                                   const InspectionSettings& settings) {
  const std::string name = source->name();
  FROCKET_ASSIGN_OR_RETURN(auto file, parquet::ParquetFile::Open(std::move(source)));
  if (Status unique = table::CheckUniqueColumnNames(file->schema()); !unique.ok()) {
    return unique.WithContext(name);
  }
  PartInspection out;
  DatasetSchemaInfo& schema = out.schema;
  schema.group_id_column = group_id_column;
  schema.timestamp_column = timestamp_column;
  const std::vector<std::string> supported = ReadColumns(file->schema(), &schema);
  FROCKET_RETURN_IF_ERROR(RequireColumn(schema, name, group_id_column, "group id",
                                        {ColumnType::kInt, ColumnType::kString}));
  FROCKET_RETURN_IF_ERROR(RequireColumn(schema, name, timestamp_column, "timestamp",
                                        {ColumnType::kInt, ColumnType::kFloat}));

  FROCKET_ASSIGN_OR_RETURN(auto part,
                           table::LoadPart(*file, supported, group_id_column, timestamp_column));
  out.rows = part->num_rows();
  out.groups = part->num_groups();
  for (ColumnInfo& info : schema.columns) {
    const table::Column& c = *part->FindColumn(info.name);
    if (c.type == ColumnType::kInt) {
      NumericRange(c, c.ints(), &info);
    } else if (c.type == ColumnType::kFloat) {
      NumericRange(c, c.floats(), &info);
    } else if (c.type == ColumnType::kString) {
      StringStatistics(*part, c, settings, &info);
    }
    if (info.name == timestamp_column) {
      schema.min_timestamp = info.numeric_min;
      schema.max_timestamp = info.numeric_max;
    }
  }
  if (return_group_ids) {
    if (part->group_column().type == ColumnType::kInt) {
      out.group_ids = SortedGroupIds<int64_t>(part->group_codes());
    } else {
      out.group_ids = SortedGroupIds<std::string>(part->group_codes());
    }
  }
  return out;
}

std::vector<size_t> ChooseSampledParts(size_t total, ValidationMode mode, double ratio,
                                       int64_t max_samples) {
  if (total == 0) return {};
  if (total == 1 || mode == ValidationMode::kSingle) return {0};
  if (mode == ValidationMode::kFirstLast || total == 2) return {0, total - 1};
  size_t wanted = static_cast<size_t>(std::ceil(static_cast<double>(total) * ratio));
  wanted = std::max<size_t>(
      2, std::min<size_t>(wanted, static_cast<size_t>(std::max<int64_t>(2, max_samples))));
  wanted = std::min(wanted, total);
  std::vector<size_t> middle(total - 2);
  std::iota(middle.begin(), middle.end(), size_t{1});
  std::mt19937_64 rng(RandomSeed());
  std::shuffle(middle.begin(), middle.end(), rng);
  std::vector<size_t> chosen = {0, total - 1};
  chosen.insert(chosen.end(), middle.begin(), middle.begin() + static_cast<ptrdiff_t>(wanted - 2));
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

Status CheckPartsAgree(const std::vector<std::string>& names,
                       const std::vector<PartInspection>& parts, bool check_unique_groups) {
  for (size_t i = 1; i < parts.size(); ++i) {
    std::string why;
    if (!SameColumns(names[0], parts[0].schema, names[i], parts[i].schema, &why)) {
      return Status::Invalid("the parts' schemas differ: " + why);
    }
  }
  if (!check_unique_groups) return Status::OK();
  // Every id once: the first part holding it is remembered, a second one is an error.
  auto check = [&](auto ids_of) -> Status {
    using Id = typename std::decay_t<decltype(ids_of(parts[0]))>::value_type;
    std::unordered_map<Id, size_t> owner;
    for (size_t i = 0; i < parts.size(); ++i) {
      for (const Id& id : ids_of(parts[i])) {
        auto [it, inserted] = owner.emplace(id, i);
        if (!inserted) {
          std::string shown;
          if constexpr (std::is_same_v<Id, std::string>) {
            shown = "'" + id + "'";
          } else {
            shown = std::to_string(id);
          }
          return Status::Invalid("the dataset is not partitioned by group: group id " + shown +
                                 " appears in both " + names[it->second] + " and " + names[i]);
        }
      }
    }
    return Status::OK();
  };
  if (std::holds_alternative<std::vector<int64_t>>(parts[0].group_ids)) {
    return check([](const PartInspection& p) -> const std::vector<int64_t>& {
      return std::get<std::vector<int64_t>>(p.group_ids);
    });
  }
  return check([](const PartInspection& p) -> const std::vector<std::string>& {
    return std::get<std::vector<std::string>>(p.group_ids);
  });
}

DatasetSchemaInfo MergeSchemas(const std::vector<PartInspection>& parts,
                               const InspectionSettings& settings) {
  DatasetSchemaInfo merged = parts[0].schema;
  for (ColumnInfo& c : merged.columns) {
    std::map<std::string, double> shares;
    double ratio_sum = 0;
    for (const PartInspection& p : parts) {
      const ColumnInfo* other = p.schema.Find(c.name);
      if (other == nullptr) continue;
      if (other->numeric_min)
        c.numeric_min =
            c.numeric_min ? std::min(*c.numeric_min, *other->numeric_min) : *other->numeric_min;
      if (other->numeric_max)
        c.numeric_max =
            c.numeric_max ? std::max(*c.numeric_max, *other->numeric_max) : *other->numeric_max;
      c.categorical &= other->categorical;
      c.dictionary_encoded &= other->dictionary_encoded;
      ratio_sum += other->unique_ratio.value_or(0);
      for (const auto& [value, share] : other->top_values) shares[value] += share;
    }
    if (c.type != ColumnType::kString) continue;
    c.unique_ratio = ratio_sum / static_cast<double>(parts.size());
    c.top_values.clear();
    if (!c.categorical) continue;
    // Shares averaged over the sampled parts: an approximation of the dataset's frequencies.
    std::vector<std::pair<std::string, double>> top(shares.begin(), shares.end());
    std::sort(top.begin(), top.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    for (size_t i = 0; i < top.size() && static_cast<int64_t>(i) < settings.top_count; ++i) {
      double share = top[i].second / static_cast<double>(parts.size());
      if (share >= settings.top_min_share) c.top_values[top[i].first] = share;
    }
  }
  for (const PartInspection& p : parts) {
    if (p.schema.min_timestamp) {
      merged.min_timestamp = merged.min_timestamp
                                 ? std::min(*merged.min_timestamp, *p.schema.min_timestamp)
                                 : *p.schema.min_timestamp;
    }
    if (p.schema.max_timestamp) {
      merged.max_timestamp = merged.max_timestamp
                                 ? std::max(*merged.max_timestamp, *p.schema.max_timestamp)
                                 : *p.schema.max_timestamp;
    }
  }
  return merged;
}

}  // namespace frocket::dataset
