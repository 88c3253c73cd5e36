#include "service/response.h"

#include "dataset/dataset.h"

namespace frocket::service {

using Json = nlohmann::ordered_json;

namespace {

Json Begin(bool success, const std::string& request_id) {
  Json j;
  j["success"] = success;
  if (!request_id.empty()) j["requestId"] = request_id;
  return j;
}

// The failure shape of a job's outcome, or nullopt when it succeeded.
template <typename T>
std::optional<Json> Failed(const Outcome<T>& outcome) {
  if (outcome.value.ok()) return std::nullopt;
  Json j = FailureResponse(outcome.value.status().message(), outcome.request_id);
  if (outcome.stats) j["stats"] = *outcome.stats;
  return j;
}

}  // namespace

Json FailureResponse(const std::string& message, const std::string& request_id) {
  Json j;
  j["success"] = false;
  j["errorMessage"] = message;
  if (!request_id.empty()) j["requestId"] = request_id;
  return j;
}

Json Response(const QueryOutcome& outcome) {
  if (auto failed = Failed(outcome)) return *failed;
  const QueryAnswer& answer = *outcome.value;
  Json j = Begin(true, outcome.request_id);
  j["query"] = answer.result["query"];
  if (answer.result.contains("funnel")) j["funnel"] = answer.result["funnel"];
  if (answer.result.contains("groups")) j["groups"] = answer.result["groups"];
  if (!answer.warnings.empty()) j["warnings"] = answer.warnings;
  if (outcome.stats) j["stats"] = *outcome.stats;
  return j;
}

Json Response(const RegisterOutcome& outcome) {
  if (auto failed = Failed(outcome)) return *failed;
  Json j = Begin(true, outcome.request_id);
  j["dataset"] = dataset::ToJson(*outcome.value);
  if (!outcome.warnings.empty()) j["warnings"] = outcome.warnings;
  if (outcome.stats) j["stats"] = *outcome.stats;
  return j;
}

Json Response(const UnregisterOutcome& outcome) {
  if (auto failed = Failed(outcome)) return *failed;
  const Unregistered& u = *outcome.value;
  Json last_used = u.last_used ? Json(static_cast<int64_t>(*u.last_used)) : Json(nullptr);
  if (u.refusal) {
    Json j = FailureResponse(*u.refusal, outcome.request_id);
    j["datasetFound"] = true;
    j["datasetLastUsed"] = last_used;
    return j;
  }
  Json j = Begin(true, outcome.request_id);
  j["datasetFound"] = u.found;
  // Funnel Rocket gives no last use for a dataset that was not registered.
  if (u.registered) j["datasetLastUsed"] = last_used;
  return j;
}

}  // namespace frocket::service
