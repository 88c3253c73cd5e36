#include "cluster/queue_worker.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
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

// How long a BRPOP blocks before the worker checks whether it should stop.
constexpr double kDequeueBlockSeconds = 1;
// Waits between reconnection attempts while Redis is away: from the first to the last.
constexpr double kFirstBackoffSeconds = 0.05;
constexpr double kMaxBackoffSeconds = 1;

void SleepSeconds(double s) {
  std::this_thread::sleep_for(std::chrono::duration<double>(s));
}

std::string HostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "unknown-host";
  return buf;
}

}  // namespace

Result<std::unique_ptr<QueueWorker>> QueueWorker::Create(std::shared_ptr<TaskRunner> runner) {
  FROCKET_ASSIGN_OR_RETURN(auto endpoint, RedisEndpoint::FromConfig("DATASTORE"));
  FROCKET_ASSIGN_OR_RETURN(auto redis, RedisClient::Connect(endpoint));
  if (std::string risk = EvictionRisk(*redis); !risk.empty()) log::Warning("worker", risk);
  FROCKET_ASSIGN_OR_RETURN(auto blobstore, Blobstore::Open());
  FROCKET_ASSIGN_OR_RETURN(double reject_age, Config::Double("FROCKET_WORKER_REJECT_AGE"));
  FROCKET_ASSIGN_OR_RETURN(int64_t preflight_ms,
                           Config::Int("FROCKET_PART_SELECTION_PREFLIGHT_MS", 0, 600000));
  FROCKET_ASSIGN_OR_RETURN(auto faults,
                           ParseInjectedFaults(Config::Get("FROCKET_WORKER_FAULT_INJECTION")));
  std::unique_ptr<QueueWorker> worker(
      new QueueWorker(std::move(redis), std::move(blobstore), std::move(runner), RedisKeyPrefix()));
  worker->reject_age_ = reject_age;
  worker->preflight_seconds_ = static_cast<double>(preflight_ms) / 1000;
  worker->faults_ = std::move(faults);
  return worker;
}

QueueWorker::QueueWorker(std::unique_ptr<RedisClient> redis, std::unique_ptr<Blobstore> blobstore,
                         std::shared_ptr<TaskRunner> runner, std::string prefix)
    : redis_(std::move(redis)),
      blobstore_(std::move(blobstore)),
      runner_(std::move(runner)),
      prefix_(std::move(prefix)),
      id_(HostName() + ":" + std::to_string(getpid())) {}

void QueueWorker::Serve(const std::atomic<bool>& stop) {
  const std::string queue = TaskQueueKey(prefix_);
  log::Info("worker", "worker " + id_ + " waiting for tasks on " + redis_->endpoint().Describe() +
                          ", queue " + queue);
  // Says every second that this worker is alive (on a connection of its own: a task may take
  // longer than that), so that invokers can tell a cluster without workers at once.
  std::thread heartbeat([this, &stop, endpoint = redis_->endpoint()] {
    const std::string key = WorkersKey(prefix_);
    std::unique_ptr<RedisClient> redis;
    while (!stop.load()) {
      if (!redis) {
        auto connected = RedisClient::Connect(endpoint);
        if (connected.ok()) redis = std::move(*connected);
      }
      if (redis && !redis->Run({"EVAL", kWorkerAliveScript, "1", key, id_}).ok()) redis.reset();
      for (int i = 0; i < 10 && !stop.load(); ++i) SleepSeconds(0.1);
    }
    if (redis) (void)redis->Run({"ZREM", key, id_});
  });
  double backoff = 0;
  while (!stop.load()) {
    char block[16];
    std::snprintf(block, sizeof(block), "%.0f", kDequeueBlockSeconds);
    auto popped = redis_->RunBlocking({"BRPOP", queue, block}, kDequeueBlockSeconds);
    if (!popped.ok()) {
      if (backoff == 0) {
        log::Warning("worker", popped.status().message() + "; reconnecting until it is back");
      }
      backoff = std::min(kMaxBackoffSeconds, std::max(kFirstBackoffSeconds, backoff * 2));
      SleepSeconds(backoff);
      continue;
    }
    if (backoff != 0) {
      log::Info("worker", "connected to " + redis_->endpoint().Describe() + " again");
      backoff = 0;
    }
    if (popped->is_nil() || popped->elements.size() != 2) continue;
    Handle(popped->elements[1].str);
  }
  heartbeat.join();
  log::Info("worker", "worker " + id_ + " stopped");
}

const InjectedFault* QueueWorker::FaultFor(const std::string& part_path, int attempt) const {
  return FindFault(faults_, part_path, attempt);
}

Result<bool> QueueWorker::Report(const JobKeys& keys, const std::string& attempt_id,
                                 TaskStatus status, const std::string& result_json) {
  const std::string update = JsonText(
      nlohmann::json{{"status", TaskStatusName(status)}, {"worker", id_}, {"time", NowSeconds()}});
  FROCKET_ASSIGN_OR_RETURN(
      auto reply, redis_->Run({"EVAL", kWriteStatusScript, "4", keys.alive, keys.status,
                               keys.events, keys.results, attempt_id, update, result_json}));
  return reply.integer == 1;
}

void QueueWorker::ForgetOlderRegistrations(const dataset::DatasetId& dataset) {
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

Result<bool> QueueWorker::SelectPart(const JobKeys& keys, double invoke_time,
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

void QueueWorker::Handle(const std::string& text) {
  auto message = nlohmann::json::parse(text, nullptr, false);
  auto kind = TaskKind(message);
  if (message.is_discarded() || !kind.ok()) {
    log::Error("worker", "dropping a malformed task message: " + text.substr(0, 200));
    return;
  }
  JsonFields fields(message);
  const double invoke_time = fields.GetOr<double>("invokeTime", 0.0);
  const std::string request_id = fields.GetOr<std::string>("requestId", "");
  if (!fields.status().ok()) {
    log::Error("worker", "dropping a malformed task message (" + fields.status().message() +
                             "): " + text.substr(0, 200));
    return;
  }
  const JobKeys keys(prefix_, request_id);
  if (const double age = NowSeconds() - invoke_time; age > reject_age_) {
    log::Warning("worker", "rejecting a task of " + request_id + ": it is " +
                               std::to_string(static_cast<int64_t>(age)) +
                               " s old (FROCKET_WORKER_REJECT_AGE " +
                               std::to_string(static_cast<int64_t>(reject_age_)) + " s)");
    return;
  }
  auto alive = redis_->Run({"EXISTS", keys.alive});
  if (!alive.ok()) {
    log::Warning("worker", alive.status().message());
    return;
  }
  if (alive->integer == 0) {
    log::Debug("worker", "dropping a task of " + request_id + ", which has ended");
    return;
  }
  if (*kind == "query") return RunQueryTask(message, keys, invoke_time);
  if (*kind == "registration") return RunRegistrationTask(message, keys, invoke_time);
  log::Error("worker", "dropping a task of unknown kind '" + *kind + "'");
}

bool QueueWorker::StartAttempt(const JobKeys& keys, const std::string& attempt_id,
                               const std::string& part_path, int attempt) {
  auto started = Report(keys, attempt_id, TaskStatus::kLoadingData);
  if (!started.ok() || !*started) return false;
  const InjectedFault* f = FaultFor(part_path, attempt);
  if (f == nullptr) return true;
  if (f->sleep_ms > 0) SleepSeconds(f->sleep_ms / 1000.0);
  if (!f->fail) return true;
  QueryTaskResult failed;
  failed.status = Status::IOError("injected fault (FROCKET_WORKER_FAULT_INJECTION)");
  log::Warning("worker",
               "task " + attempt_id + " of " + keys.request_id + ": " + failed.status.message());
  auto reported = Report(keys, attempt_id, TaskStatus::kEndedFailed, JsonText(ToJson(failed)));
  if (!reported.ok()) log::Warning("worker", reported.status().message());
  return false;
}

void QueueWorker::FinishAttempt(const JobKeys& keys, const std::string& attempt_id,
                                const std::string& what, const std::string& part_path,
                                const Status& status, const std::string& result_json) {
  auto reported =
      Report(keys, attempt_id, status.ok() ? TaskStatus::kEndedSuccess : TaskStatus::kEndedFailed,
             result_json);
  if (!reported.ok()) log::Warning("worker", reported.status().message());
  log::Info("worker",
            what + " " + attempt_id + " of " + keys.request_id + " (" + part_path +
                "): " + (status.ok() ? "ENDED_SUCCESS" : "ENDED_FAILED: " + status.message()) +
                (reported.ok() && !*reported ? " (the job had ended: result dropped)" : ""));
}

void QueueWorker::RunQueryTask(nlohmann::json& message, const JobKeys& keys, double invoke_time) {
  const bool self_select = JsonFields(message).GetOr<bool>("selfSelect", false);
  if (self_select) message["taskIndex"] = 0;  // replaced by the selection
  auto request = QueryTaskRequestFromJson(message);
  if (!request.ok()) {
    log::Error("worker", request.status().message());
    return;
  }
  ForgetOlderRegistrations(request->dataset.id);
  if (self_select) {
    bool from_cache = false;
    auto selected = SelectPart(keys, invoke_time, &*request, &from_cache);
    if (!selected.ok()) {
      log::Warning("worker", selected.status().message());
      return;
    }
    if (!*selected) return;  // every part was taken by other workers
    log::Debug("worker", "selected " + request->part_path +
                             (from_cache ? " (cached here)" : " (not cached here)"));
  }
  const std::string attempt_id = AttemptId(request->task_index, request->attempt);
  if (!StartAttempt(keys, attempt_id, request->part_path, request->attempt)) return;
  part_members_[PartCacheKey(request->dataset.id, request->part_path)] = SelfSelectMember(*request);
  QueryTaskResult result = runner_->RunQuery(*request, invoke_time, [&](TaskStatus status) {
    if (status == TaskStatus::kRunningQuery) (void)Report(keys, attempt_id, status);
  });
  FinishAttempt(keys, attempt_id, "task", request->part_path, result.status,
                JsonText(ToJson(result)));
}

void QueueWorker::RunRegistrationTask(const nlohmann::json& message, const JobKeys& keys,
                                      double invoke_time) {
  auto request = RegistrationTaskRequestFromJson(message);
  if (!request.ok()) {
    log::Error("worker", request.status().message());
    return;
  }
  const std::string attempt_id = AttemptId(request->task_index, request->attempt);
  if (!StartAttempt(keys, attempt_id, request->part_path, request->attempt)) return;
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
  FinishAttempt(keys, attempt_id, "registration task", request->part_path, result.status,
                JsonText(ToJson(result, blob)));
}

}  // namespace frocket::cluster
