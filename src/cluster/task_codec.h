// The task contract of task.h as JSON, for invokers and workers in different processes:
// requests travel through the work queue, results come back through the datastore. Parsing
// is strict — a malformed message is an error naming the field, never a crash.
#pragma once

#include <nlohmann/json.hpp>

#include "cluster/task.h"

namespace frocket::cluster {

// The kind of a task message ("query" or "registration").
Result<std::string> TaskKind(const nlohmann::json& message);

nlohmann::json ToJson(const QueryTaskRequest& request);
Result<QueryTaskRequest> QueryTaskRequestFromJson(const nlohmann::json& j);
// A query task as a member of a job's self-selection set ("index size tag path"; "-" for an
// unset version): what a worker that takes it needs beyond the job's shared message.
std::string SelfSelectMember(const QueryTaskRequest& request);
// Fills the request's task index, part path and part version from such a member.
Status ApplySelfSelectMember(const std::string& member, QueryTaskRequest* request);

nlohmann::json ToJson(const TaskMetrics& metrics);
Result<TaskMetrics> TaskMetricsFromJson(const nlohmann::json& j);

nlohmann::json ToJson(const QueryTaskResult& result);
Result<QueryTaskResult> QueryTaskResultFromJson(const nlohmann::json& j);

nlohmann::json ToJson(const RegistrationTaskRequest& request);
Result<RegistrationTaskRequest> RegistrationTaskRequestFromJson(const nlohmann::json& j);
// The group ids go separately (they can be large; see Blobstore): `group_ids_blob` names
// where, and the inspection's group_ids are not in the JSON.
nlohmann::json ToJson(const RegistrationTaskResult& result, const std::string& group_ids_blob);
Result<RegistrationTaskResult> RegistrationTaskResultFromJson(const nlohmann::json& j,
                                                              std::string* group_ids_blob);
// A part's group ids as JSON (an array of integers or of strings), and back.
std::string GroupIdsToJson(const dataset::PartInspection& inspection);
// An empty list takes its type from the group id column in the inspection's schema.
Status GroupIdsFromJson(const std::string& text, const std::string& group_id_column,
                        dataset::PartInspection* inspection);

}  // namespace frocket::cluster
