#include "cluster/task_handler.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <thread>

#include "cluster/redis_datastore.h"
#include "cluster/task_codec.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/json_fields.h"
#include "common/json_text.h"
#include "common/log.h"

namespace frocket::cluster {

namespace {

void SleepSeconds(double s) {
  std::this_thread::sleep_for(std::chrono::duration<double>(s));
}

// A message not run: logged at `level`, and the outcome "dropped: ...".
std::string Dropped(log::Level level, const std::string& why) {
  if (log::Enabled(level)) log::Write(level, "worker", "dropping " + why);
  return "dropped: " + why;
}

}  // namespace

Result<std::unique_ptr<TaskHandler>> TaskHandler::Create(std::shared_ptr<TaskRunner> runner,
                                                         std::string worker_id) {
  FROCKET_ASSIGN_OR_RETURN(auto endpoint, RedisEndpoint::FromConfig("DATASTORE"));
  FROCKET_ASSIGN_OR_RETURN(auto redis, RedisClient::Connect(endpoint));
  if (std::string risk = EvictionRisk(*redis); !risk.empty()) log::Warning("worker", risk);
  FROCKET_ASSIGN_OR_RETURN(auto blobstore, Blobstore::Open());
  FROCKET_ASSIGN_OR_RETURN(double reject_age, Config::Double("FROCKET_WORKER_REJECT_AGE"));
  FROCKET_ASSIGN_OR_RETURN(int64_t preflight_ms,
                           Config::Int("FROCKET_PART_SELECTION_PREFLIGHT_MS", 0, 600000));
  FROCKET_ASSIGN_OR_RETURN(auto faults,
                           ParseInjectedFaults(Config::Get("FROCKET_WORKER_FAULT_INJECTION")));
  std::unique_ptr<TaskHandler> handler(new TaskHandler(std::move(redis), std::move(blobstore),
                                                       std::move(runner), RedisKeyPrefix(),
                                                       std::move(worker_id)));
  handler->reject_age_ = reject_age;
  handler->preflight_seconds_ = static_cast<double>(preflight_ms) / 1000;
  handler->faults_ = std::move(faults);
  return handler;
}

TaskHandler::TaskHandler(std::unique_ptr<RedisClient> redis, std::unique_ptr<Blobstore> blobstore,
                         std::shared_ptr<TaskRunner> runner, std::string prefix,
                         std::string worker_id)
    : redis_(std::move(redis)),
      blobstore_(std::move(blobstore)),
      runner_(std::move(runner)),
      prefix_(std::move(prefix)),
      id_(std::move(worker_id)) {}

const InjectedFault* TaskHandler::FaultFor(const std::string& part_path, int attempt) const {
  return FindFault(faults_, part_path, attempt);
}

Result<bool> TaskHandler::Report(const JobKeys& keys, const std::string& attempt_id,
                                 TaskStatus status, const std::string& result_json) {
  const std::string update = JsonText(
      nlohmann::json{{"status", TaskStatusName(status)}, {"worker", id_}, {"time", NowSeconds()}});
  FROCKET_ASSIGN_OR_RETURN(
      auto reply, redis_->Run({"EVAL", kWriteStatusScript, "4", keys.alive, keys.status,
                               keys.events, keys.results, attempt_id, update, result_json}));
  return reply.integer == 1;
}

void TaskHandler::ForgetOlderRegistrations(const dataset::DatasetId& dataset) {
  std::string& newest = registrations_[dataset.name];
  if (newest >= dataset.registered_at) return;  // ISO 8601 times order as strings
  if (!newest.empty()) {
    const std::string old_prefix = PartCacheKey({dataset.name, newest}, "");
    runner_->cache().Invalidate(old_prefix);
    std::erase_if(part_members_, [&](const auto& e) { return e.first.rfind(old_prefix, 0) == 0; });
    log::Info("worker", "dataset '" + dataset.name +
                            "' was re-registered: dropped its parts "
                            "cached for the registration of " +
                            newest);
  }
  newest = dataset.registered_at;
}

Result<bool> TaskHandler::SelectPart(const JobKeys& keys, double invoke_time,
                                     QueryTaskRequest* request, bool* from_cache) {
  const std::string prefix = PartCacheKey(request->dataset.id, "");
  // Candidates: the parts in memory, most recently used first; then remote parts this worker
  // ran before, whose bytes its disk cache holds (unless evicted since).
  std::vector<std::string> cached = runner_->cache().KeysWithPrefix(prefix);
  for (const auto& [key, member] : part_members_) {
    if (key.rfind(prefix, 0) == 0 && key.compare(prefix.size(), 5, "s3://") == 0 &&
        std::find(cached.begin(), cached.end(), key) == cached.end()) {
      cached.push_back(key);
    }
  }
  if (selecting_job_ != request->request_id) {
    selecting_job_ = request->request_id;
    tried_members_.clear();
  }
  std::string member;
  for (const std::string& key : cached) {
    // A part's member is the same in every job of one registration (index, version, path).
    auto known = part_members_.find(key);
    if (known == part_members_.end()) continue;
    std::string candidate = known->second;
    if (!tried_members_.insert(candidate).second) continue;
    FROCKET_ASSIGN_OR_RETURN(auto removed, redis_->Run({"SREM", keys.parts, candidate}));
    if (removed.integer == 1) {
      member = std::move(candidate);
      break;
    }
  }
  *from_cache = !member.empty();
  if (member.empty()) {
    // Leave the preflight window to workers that have the job's parts cached.
    const double left = invoke_time + preflight_seconds_ - NowSeconds();
    if (cached.empty() && left > 0) SleepSeconds(left);
    FROCKET_ASSIGN_OR_RETURN(auto popped, redis_->Run({"SPOP", keys.parts}));
    if (popped.is_nil()) return false;
    member = popped.str;
  }
  FROCKET_RETURN_IF_ERROR(ApplySelfSelectMember(member, request));
  return true;
}

TaskHandler::Handled TaskHandler::Handle(const std::string& text, const MetricsStamp& stamp) {
  auto message = nlohmann::json::parse(text, nullptr, false);
  auto kind = TaskKind(message);
  if (message.is_discarded() || !kind.ok()) {
    return {Dropped(log::Level::kError, "a malformed task message: " + text.substr(0, 200)), true};
  }
  JsonFields fields(message);
  const double invoke_time = fields.GetOr<double>("invokeTime", 0.0);
  const std::string request_id = fields.GetOr<std::string>("requestId", "");
  if (!fields.status().ok()) {
    return {Dropped(log::Level::kError, "a malformed task message (" + fields.status().message() +
                                            "): " + text.substr(0, 200)),
            true};
  }
  const JobKeys keys(prefix_, request_id);
  if (const double age = NowSeconds() - invoke_time; age > reject_age_) {
    return {Dropped(log::Level::kWarning, "a task of " + request_id + ": it is " +
                                              std::to_string(static_cast<int64_t>(age)) +
                                              " s old (FROCKET_WORKER_REJECT_AGE " +
                                              std::to_string(static_cast<int64_t>(reject_age_)) +
                                              " s)")};
  }
  auto alive = redis_->Run({"EXISTS", keys.alive});
  // Once more on a new connection: a Lambda instance thawed after a long freeze may find its
  // connection closed by Redis meanwhile.
  if (!alive.ok()) alive = redis_->Run({"EXISTS", keys.alive});
  if (!alive.ok()) return {Dropped(log::Level::kWarning, alive.status().message())};
  if (alive->integer == 0) {
    return {Dropped(log::Level::kDebug, "a task of " + request_id + ", which has ended")};
  }
  if (*kind == "query") return {RunQueryTask(message, keys, invoke_time, stamp)};
  if (*kind == "registration") return {RunRegistrationTask(message, keys, invoke_time, stamp)};
  return {Dropped(log::Level::kError, "a task of unknown kind '" + *kind + "'"), true};
}

bool TaskHandler::StartAttempt(const JobKeys& keys, const std::string& attempt_id,
                               const std::string& part_path, int attempt,
                               const MetricsStamp& stamp) {
  auto started = Report(keys, attempt_id, TaskStatus::kLoadingData);
  if (!started.ok() || !*started) return false;
  const InjectedFault* f = FaultFor(part_path, attempt);
  if (f == nullptr) return true;
  if (f->sleep_ms > 0) SleepSeconds(f->sleep_ms / 1000.0);
  if (f->kill) {
    log::Warning("worker", "task " + attempt_id + " of " + keys.request_id +
                               ": killing this process (FROCKET_WORKER_FAULT_INJECTION)");
    std::raise(SIGKILL);
  }
  if (!f->fail) return true;
  QueryTaskResult failed;
  failed.status = Status::IOError("injected fault (FROCKET_WORKER_FAULT_INJECTION)");
  if (stamp) stamp(&failed.metrics);
  log::Warning("worker",
               "task " + attempt_id + " of " + keys.request_id + ": " + failed.status.message());
  auto reported = Report(keys, attempt_id, TaskStatus::kEndedFailed, JsonText(ToJson(failed)));
  if (!reported.ok()) log::Warning("worker", reported.status().message());
  return false;
}

std::string TaskHandler::FinishAttempt(const JobKeys& keys, const std::string& attempt_id,
                                       const std::string& what, const std::string& part_path,
                                       const Status& status, const std::string& result_json) {
  auto reported =
      Report(keys, attempt_id, status.ok() ? TaskStatus::kEndedSuccess : TaskStatus::kEndedFailed,
             result_json);
  if (!reported.ok()) log::Warning("worker", reported.status().message());
  std::string outcome =
      what + " " + attempt_id + " of " + keys.request_id + " (" + part_path +
      "): " + (status.ok() ? "ENDED_SUCCESS" : "ENDED_FAILED: " + status.message()) +
      (reported.ok() && !*reported ? " (the job had ended: result dropped)" : "");
  log::Info("worker", outcome);
  return outcome;
}

std::string TaskHandler::RunQueryTask(nlohmann::json& message, const JobKeys& keys,
                                      double invoke_time, const MetricsStamp& stamp) {
  const bool self_select = JsonFields(message).GetOr<bool>("selfSelect", false);
  if (self_select) message["taskIndex"] = 0;  // replaced by the selection
  auto request = QueryTaskRequestFromJson(message);
  if (!request.ok()) return Dropped(log::Level::kError, request.status().message());
  ForgetOlderRegistrations(request->dataset.id);
  if (self_select) {
    bool from_cache = false;
    auto selected = SelectPart(keys, invoke_time, &*request, &from_cache);
    if (!selected.ok()) return Dropped(log::Level::kWarning, selected.status().message());
    if (!*selected) {
      return Dropped(log::Level::kDebug,
                     "a task of " + keys.request_id + ": every part was taken by other workers");
    }
    log::Debug("worker", "selected " + request->part_path +
                             (from_cache ? " (cached here)" : " (not cached here)"));
  }
  const std::string attempt_id = AttemptId(request->task_index, request->attempt);
  if (!StartAttempt(keys, attempt_id, request->part_path, request->attempt, stamp)) {
    return "task " + attempt_id + " of " + keys.request_id + ": not run";
  }
  part_members_[PartCacheKey(request->dataset.id, request->part_path)] = SelfSelectMember(*request);
  QueryTaskResult result = runner_->RunQuery(*request, invoke_time, [&](TaskStatus status) {
    if (status == TaskStatus::kRunningQuery) (void)Report(keys, attempt_id, status);
  });
  if (stamp) stamp(&result.metrics);
  return FinishAttempt(keys, attempt_id, "task", request->part_path, result.status,
                       JsonText(ToJson(result)));
}

std::string TaskHandler::RunRegistrationTask(const nlohmann::json& message, const JobKeys& keys,
                                             double invoke_time, const MetricsStamp& stamp) {
  auto request = RegistrationTaskRequestFromJson(message);
  if (!request.ok()) return Dropped(log::Level::kError, request.status().message());
  const std::string attempt_id = AttemptId(request->task_index, request->attempt);
  if (!StartAttempt(keys, attempt_id, request->part_path, request->attempt, stamp)) {
    return "registration task " + attempt_id + " of " + keys.request_id + ": not run";
  }
  RegistrationTaskResult result =
      runner_->RunRegistration(*request, invoke_time, [](TaskStatus) {});
  std::string blob;
  if (result.status.ok() && request->return_group_ids) {
    auto written = blobstore_->Write(GroupIdsToJson(result.inspection), "groupids");
    if (written.ok()) {
      blob = *written;
    } else {
      result.status = written.status();
    }
  }
  if (stamp) stamp(&result.metrics);
  return FinishAttempt(keys, attempt_id, "registration task", request->part_path, result.status,
                       JsonText(ToJson(result, blob)));
}

}  // namespace frocket::cluster
