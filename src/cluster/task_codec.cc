#include "cluster/task_codec.h"

#include <cerrno>
#include <cstdlib>

#include "common/json_text.h"

namespace frocket::cluster {

namespace {

Status Malformed(const char* what, const std::exception& e) {
  return Status::Invalid(std::string("malformed ") + what + " message: " + e.what());
}

nlohmann::json ToJson(const TaskMetrics& m) {
  return {{"invokeLatency", m.invoke_latency},
          {"loadSeconds", m.load_seconds},
          {"totalSeconds", m.total_seconds},
          {"finishedAt", m.finished_at},
          {"scannedRows", m.scanned_rows},
          {"scannedGroups", m.scanned_groups},
          {"bytesRead", m.bytes_read},
          {"networkBytes", m.network_bytes},
          {"loadFrom", static_cast<int>(m.load_from)},
          {"warm", m.warm}};
}

TaskMetrics MetricsFromJson(const nlohmann::json& j) {
  TaskMetrics m;
  m.invoke_latency = j.at("invokeLatency").get<double>();
  m.load_seconds = j.at("loadSeconds").get<double>();
  m.total_seconds = j.at("totalSeconds").get<double>();
  m.finished_at = j.at("finishedAt").get<double>();
  m.scanned_rows = j.at("scannedRows").get<int64_t>();
  m.scanned_groups = j.at("scannedGroups").get<int64_t>();
  // Absent from workers older than these counters.
  m.bytes_read = j.value("bytesRead", int64_t{0});
  m.network_bytes = j.value("networkBytes", int64_t{0});
  int from = j.at("loadFrom").get<int>();
  if (from < 0 || from > static_cast<int>(LoadSource::kDiskCache)) {
    throw std::out_of_range("loadFrom " + std::to_string(from) + " is not a load source");
  }
  m.load_from = static_cast<LoadSource>(from);
  m.warm = j.at("warm").get<bool>();
  return m;
}

nlohmann::json ColumnTypesJson(const std::map<std::string, ColumnType>& types) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [column, type] : types) j[column] = ColumnTypeName(type);
  return j;
}

}  // namespace

Result<std::string> TaskKind(const nlohmann::json& message) {
  if (!message.is_object() || !message.contains("kind") || !message["kind"].is_string()) {
    return Status::Invalid("malformed task message: no \"kind\"");
  }
  return message["kind"].get<std::string>();
}

nlohmann::json ToJson(const QueryTaskRequest& r) {
  nlohmann::json j = {{"kind", "query"},
                      {"requestId", r.request_id},
                      {"taskIndex", r.task_index},
                      {"attempt", r.attempt},
                      {"dataset", dataset::ToJson(r.dataset)},
                      {"partPath", r.part_path},
                      {"usedColumns", r.used_columns},
                      {"columnTypes", ColumnTypesJson(r.column_types)},
                      {"query", r.query},
                      {"exactLimit", r.exact_limit}};
  if (r.part_version) {
    j["partSize"] = r.part_version->size;
    j["partVersion"] = r.part_version->tag;
  }
  return j;
}

Result<QueryTaskRequest> QueryTaskRequestFromJson(const nlohmann::json& j) {
  try {
    QueryTaskRequest r;
    r.request_id = j.at("requestId").get<std::string>();
    r.task_index = j.at("taskIndex").get<size_t>();
    r.attempt = j.at("attempt").get<int>();
    FROCKET_ASSIGN_OR_RETURN(r.dataset, dataset::DatasetInfoFromJson(j.at("dataset")));
    r.part_path = j.at("partPath").get<std::string>();
    if (j.contains("partSize")) {
      r.part_version =
          ObjectVersion{j.at("partSize").get<uint64_t>(), j.at("partVersion").get<std::string>()};
    }
    r.used_columns = j.at("usedColumns").get<std::vector<std::string>>();
    const nlohmann::json types = j.value("columnTypes", nlohmann::json::object());
    for (const auto& [column, name] : types.items()) {
      auto type = ParseColumnType(name.get<std::string>());
      if (!type) throw std::out_of_range("column type '" + name.get<std::string>() + "'");
      r.column_types[column] = *type;
    }
    r.query = j.at("query");
    r.exact_limit = j.at("exactLimit").get<int64_t>();
    return r;
  } catch (const std::exception& e) {
    return Malformed("query task", e);
  }
}

std::string SelfSelectMember(const QueryTaskRequest& r) {
  std::string size = "-", tag = "-";
  if (r.part_version) {
    size = std::to_string(r.part_version->size);
    // A tag with a space (no store makes one) would break the format: checked by size only.
    if (!r.part_version->tag.empty() && r.part_version->tag.find(' ') == std::string::npos) {
      tag = r.part_version->tag;
    }
  }
  return std::to_string(r.task_index) + " " + size + " " + tag + " " + r.part_path;
}

Status ApplySelfSelectMember(const std::string& member, QueryTaskRequest* request) {
  const auto malformed = [&] {
    return Status::Invalid("malformed part selection member '" + member + "'");
  };
  size_t fields[3];
  size_t at = 0;
  for (size_t& f : fields) {
    f = member.find(' ', at);
    if (f == std::string::npos) return malformed();
    at = f + 1;
  }
  const std::string index = member.substr(0, fields[0]);
  const std::string size = member.substr(fields[0] + 1, fields[1] - fields[0] - 1);
  const std::string tag = member.substr(fields[1] + 1, fields[2] - fields[1] - 1);
  char* end = nullptr;
  errno = 0;
  const unsigned long long i = std::strtoull(index.c_str(), &end, 10);
  if (index.empty() || *end != '\0' || errno != 0) return malformed();
  request->task_index = static_cast<size_t>(i);
  request->part_path = member.substr(fields[2] + 1);
  request->part_version.reset();
  if (size != "-") {
    const unsigned long long bytes = std::strtoull(size.c_str(), &end, 10);
    if (size.empty() || *end != '\0' || errno != 0) return malformed();
    request->part_version = ObjectVersion{bytes, tag == "-" ? "" : tag};
  }
  return Status::OK();
}

nlohmann::json ToJson(const QueryTaskResult& r) {
  nlohmann::json j = {{"success", r.success}, {"error", r.error}, {"metrics", ToJson(r.metrics)}};
  if (r.success) j["result"] = engine::ToWireJson(r.result);
  return j;
}

Result<QueryTaskResult> QueryTaskResultFromJson(const nlohmann::json& j) {
  try {
    QueryTaskResult r;
    r.success = j.at("success").get<bool>();
    r.error = j.at("error").get<std::string>();
    r.metrics = MetricsFromJson(j.at("metrics"));
    if (r.success) {
      FROCKET_ASSIGN_OR_RETURN(r.result, engine::FromWireJson(j.at("result")));
    }
    return r;
  } catch (const std::exception& e) {
    return Malformed("query task result", e);
  }
}

nlohmann::json ToJson(const RegistrationTaskRequest& r) {
  return {{"kind", "registration"},
          {"requestId", r.request_id},
          {"taskIndex", r.task_index},
          {"attempt", r.attempt},
          {"partPath", r.part_path},
          {"groupIdColumn", r.group_id_column},
          {"timestampColumn", r.timestamp_column},
          {"returnGroupIds", r.return_group_ids},
          {"categoricalRatio", r.settings.categorical_ratio},
          {"topCount", r.settings.top_count},
          {"topMinShare", r.settings.top_min_share}};
}

Result<RegistrationTaskRequest> RegistrationTaskRequestFromJson(const nlohmann::json& j) {
  try {
    RegistrationTaskRequest r;
    r.request_id = j.at("requestId").get<std::string>();
    r.task_index = j.at("taskIndex").get<size_t>();
    r.attempt = j.at("attempt").get<int>();
    r.part_path = j.at("partPath").get<std::string>();
    r.group_id_column = j.at("groupIdColumn").get<std::string>();
    r.timestamp_column = j.at("timestampColumn").get<std::string>();
    r.return_group_ids = j.at("returnGroupIds").get<bool>();
    r.settings.categorical_ratio = j.at("categoricalRatio").get<double>();
    r.settings.top_count = j.at("topCount").get<int64_t>();
    r.settings.top_min_share = j.at("topMinShare").get<double>();
    return r;
  } catch (const std::exception& e) {
    return Malformed("registration task", e);
  }
}

nlohmann::json ToJson(const RegistrationTaskResult& r, const std::string& group_ids_blob) {
  nlohmann::json j = {{"success", r.success}, {"error", r.error}, {"metrics", ToJson(r.metrics)}};
  if (r.success) {
    // As text: the schema's column order is meaningful, and nlohmann::json sorts keys.
    j["schema"] = JsonText(dataset::ToJson(r.inspection.schema, /*full=*/true));
    j["rows"] = r.inspection.rows;
    j["groups"] = r.inspection.groups;
    j["groupIdsBlob"] = group_ids_blob;
  }
  return j;
}

Result<RegistrationTaskResult> RegistrationTaskResultFromJson(const nlohmann::json& j,
                                                              std::string* group_ids_blob) {
  try {
    RegistrationTaskResult r;
    r.success = j.at("success").get<bool>();
    r.error = j.at("error").get<std::string>();
    r.metrics = MetricsFromJson(j.at("metrics"));
    group_ids_blob->clear();
    if (r.success) {
      auto schema = nlohmann::ordered_json::parse(j.at("schema").get<std::string>());
      FROCKET_ASSIGN_OR_RETURN(r.inspection.schema, dataset::SchemaFromJson(schema));
      r.inspection.rows = j.at("rows").get<int64_t>();
      r.inspection.groups = j.at("groups").get<int64_t>();
      *group_ids_blob = j.at("groupIdsBlob").get<std::string>();
    }
    return r;
  } catch (const std::exception& e) {
    return Malformed("registration task result", e);
  }
}

std::string GroupIdsToJson(const dataset::PartInspection& inspection) {
  return std::visit([](const auto& ids) { return JsonText(nlohmann::json(ids)); },
                    inspection.group_ids);
}

Status GroupIdsFromJson(const std::string& text, const std::string& group_id_column,
                        dataset::PartInspection* inspection) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_array()) return Status::Invalid("group ids are not a JSON array");
  const dataset::ColumnInfo* column = inspection->schema.Find(group_id_column);
  const bool strings =
      j.empty() ? column != nullptr && column->type == ColumnType::kString : j[0].is_string();
  try {
    if (strings) {
      inspection->group_ids = j.get<std::vector<std::string>>();
    } else {
      inspection->group_ids = j.get<std::vector<int64_t>>();
    }
    return Status::OK();
  } catch (const std::exception& e) {
    return Malformed("group ids", e);
  }
}

}  // namespace frocket::cluster
