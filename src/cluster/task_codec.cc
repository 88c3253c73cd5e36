#include "cluster/task_codec.h"

#include <cerrno>
#include <cstdlib>

#include "common/json_fields.h"
#include "common/json_text.h"

namespace frocket::cluster {

namespace {

// A task's outcome on the wire: "success", and for a failure its "error" message and "code"
// (a StatusCode), so that a failure means the same wherever its task ran.
nlohmann::json StatusJson(const Status& status) {
  return {{"success", status.ok()},
          {"error", status.ok() ? std::string() : status.message()},
          {"code", static_cast<int>(status.code())}};
}

Status StatusFromJson(JsonFields& f) {
  if (f.Get<bool>("success")) return Status::OK();
  const int code = f.GetOr<int>("code", static_cast<int>(StatusCode::kIOError));
  const bool known =
      code > static_cast<int>(StatusCode::kOk) && code <= static_cast<int>(StatusCode::kLastCode);
  return Status(known ? static_cast<StatusCode>(code) : StatusCode::kIOError,
                f.Get<std::string>("error"));
}

// The decoders' one error: what was malformed, and the first problem found.
Status Malformed(const char* what, const Status& problem) {
  return Status::Invalid(std::string("malformed ") + what + " message: " + problem.message());
}

nlohmann::json ColumnTypesJson(const std::map<std::string, ColumnType>& types) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [column, type] : types) j[column] = ColumnTypeName(type);
  return j;
}

}  // namespace

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
          {"warm", m.warm},
          {"initSeconds", m.init_seconds},
          {"billedMs", m.billed_ms},
          {"memoryMb", m.memory_mb}};
}

Result<TaskMetrics> TaskMetricsFromJson(const nlohmann::json& j) {
  JsonFields f(j);
  TaskMetrics m;
  m.invoke_latency = f.Get<double>("invokeLatency");
  m.load_seconds = f.Get<double>("loadSeconds");
  m.total_seconds = f.Get<double>("totalSeconds");
  m.finished_at = f.Get<double>("finishedAt");
  m.scanned_rows = f.Get<int64_t>("scannedRows");
  m.scanned_groups = f.Get<int64_t>("scannedGroups");
  // Absent from workers older than these counters.
  m.bytes_read = f.GetOr<int64_t>("bytesRead", 0);
  m.network_bytes = f.GetOr<int64_t>("networkBytes", 0);
  const int from = f.Get<int>("loadFrom");
  if (from < 0 || from > static_cast<int>(LoadSource::kTranscodedCache)) {
    f.Fail("loadFrom " + std::to_string(from) + " is not a load source");
  }
  m.load_from = static_cast<LoadSource>(from);
  m.warm = f.Get<bool>("warm");
  // Absent from workers older than Lambda billing.
  m.init_seconds = f.GetOr<double>("initSeconds", 0.0);
  m.billed_ms = f.GetOr<int64_t>("billedMs", 0);
  m.memory_mb = f.GetOr<int64_t>("memoryMb", 0);
  FROCKET_RETURN_IF_ERROR(f.status().WithContext("metrics"));
  return m;
}

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
  JsonFields f(j);
  QueryTaskRequest r;
  r.request_id = f.Get<std::string>("requestId");
  r.task_index = f.Get<size_t>("taskIndex");
  r.attempt = f.Get<int>("attempt");
  const nlohmann::json& info = f.Raw("dataset");
  r.part_path = f.Get<std::string>("partPath");
  if (f.Has("partSize")) {
    r.part_version = ObjectVersion{f.Get<uint64_t>("partSize"), f.Get<std::string>("partVersion")};
  }
  r.used_columns = f.Get<std::vector<std::string>>("usedColumns");
  if (f.Has("columnTypes")) {
    const nlohmann::json& types = f.Raw("columnTypes");
    for (const auto& [column, name] : types.items()) {
      auto type = name.is_string() ? ParseColumnType(name.get<std::string>()) : std::nullopt;
      if (!type) f.Fail("column type " + JsonText(name) + " of '" + column + "' is not a type");
      if (type) r.column_types[column] = *type;
    }
  }
  r.query = f.Raw("query");
  r.exact_limit = f.Get<int64_t>("exactLimit");
  if (!f.status().ok()) return Malformed("query task", f.status());
  auto dataset = dataset::DatasetInfoFromJson(info);
  if (!dataset.ok()) return Malformed("query task", dataset.status());
  r.dataset = std::move(*dataset);
  return r;
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
  nlohmann::json j = StatusJson(r.status);
  j["metrics"] = ToJson(r.metrics);
  if (r.status.ok()) j["result"] = engine::ToWireJson(r.result);
  return j;
}

Result<QueryTaskResult> QueryTaskResultFromJson(const nlohmann::json& j) {
  JsonFields f(j);
  QueryTaskResult r;
  r.status = StatusFromJson(f);
  const nlohmann::json& metrics = f.Raw("metrics");
  const nlohmann::json& result = r.status.ok() ? f.Raw("result") : metrics;
  if (!f.status().ok()) return Malformed("query task result", f.status());
  auto m = TaskMetricsFromJson(metrics);
  if (!m.ok()) return Malformed("query task result", m.status());
  r.metrics = *m;
  if (r.status.ok()) {
    FROCKET_ASSIGN_OR_RETURN(r.result, engine::FromWireJson(result));
  }
  return r;
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
  JsonFields f(j);
  RegistrationTaskRequest r;
  r.request_id = f.Get<std::string>("requestId");
  r.task_index = f.Get<size_t>("taskIndex");
  r.attempt = f.Get<int>("attempt");
  r.part_path = f.Get<std::string>("partPath");
  r.group_id_column = f.Get<std::string>("groupIdColumn");
  r.timestamp_column = f.Get<std::string>("timestampColumn");
  r.return_group_ids = f.Get<bool>("returnGroupIds");
  r.settings.categorical_ratio = f.Get<double>("categoricalRatio");
  r.settings.top_count = f.Get<int64_t>("topCount");
  r.settings.top_min_share = f.Get<double>("topMinShare");
  if (!f.status().ok()) return Malformed("registration task", f.status());
  return r;
}

nlohmann::json ToJson(const RegistrationTaskResult& r, const std::string& group_ids_blob) {
  nlohmann::json j = StatusJson(r.status);
  j["metrics"] = ToJson(r.metrics);
  if (r.status.ok()) {
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
  constexpr const char* kWhat = "registration task result";
  JsonFields f(j);
  RegistrationTaskResult r;
  r.status = StatusFromJson(f);
  const nlohmann::json& metrics = f.Raw("metrics");
  group_ids_blob->clear();
  std::string schema_text;
  if (r.status.ok()) {
    schema_text = f.Get<std::string>("schema");
    r.inspection.rows = f.Get<int64_t>("rows");
    r.inspection.groups = f.Get<int64_t>("groups");
    *group_ids_blob = f.Get<std::string>("groupIdsBlob");
  }
  if (!f.status().ok()) return Malformed(kWhat, f.status());
  auto m = TaskMetricsFromJson(metrics);
  if (!m.ok()) return Malformed(kWhat, m.status());
  r.metrics = *m;
  if (r.status.ok()) {
    auto schema = nlohmann::ordered_json::parse(schema_text, nullptr, false);
    if (schema.is_discarded()) return Malformed(kWhat, Status::Invalid("the schema is not JSON"));
    auto parsed = dataset::SchemaFromJson(schema);
    if (!parsed.ok()) return Malformed(kWhat, parsed.status());
    r.inspection.schema = std::move(*parsed);
  }
  return r;
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
  std::vector<std::string> string_ids;
  std::vector<int64_t> int_ids;
  for (const auto& id : j) {
    if (strings && id.is_string()) {
      string_ids.push_back(id.get<std::string>());
    } else if (!strings && id.is_number_integer() &&
               (!id.is_number_unsigned() || id.get<uint64_t>() <= INT64_MAX)) {
      int_ids.push_back(id.get<int64_t>());
    } else {
      return Malformed("group ids", Status::Invalid("the ids are not all " +
                                                    std::string(strings ? "strings" : "integers") +
                                                    ": " + JsonText(id).substr(0, 40)));
    }
  }
  if (strings) {
    inspection->group_ids = std::move(string_ids);
  } else {
    inspection->group_ids = std::move(int_ids);
  }
  return Status::OK();
}

}  // namespace frocket::cluster
