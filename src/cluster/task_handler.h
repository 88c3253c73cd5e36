// TaskHandler: runs one task message as a worker — a `frocket worker` process popping the
// work queue, or a Lambda instance handed an invocation — and reports the attempt's status
// transitions and result to the job's keys in Redis (job_keys.h). It keeps decoded parts in
// the runner's memory cache between tasks.
//
// - Tasks older than FROCKET_WORKER_REJECT_AGE seconds, or of a job that already ended, are
//   dropped unrun.
// - A self-selecting task names no part: the handler first tries to take one of the job's
//   parts it has in its memory cache, then a remote part it ran before (in its disk cache);
//   with none, it waits out the rest of the preflight window
//   (FROCKET_PART_SELECTION_PREFLIGHT_MS from the job's start) so that workers that do have
//   parts cached get them, then takes any part left.
// - FROCKET_WORKER_FAULT_INJECTION makes chosen attempts fail or sleep (tests).
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "cluster/blobstore.h"
#include "cluster/injected_fault.h"
#include "cluster/job_keys.h"
#include "cluster/redis_client.h"
#include "cluster/task_runner.h"

namespace frocket::cluster {

// What the caller knows of an attempt's run that the runner does not, added to its metrics
// just before they are reported (a Lambda instance: cold or warm, the billed duration).
using MetricsStamp = std::function<void(TaskMetrics*)>;

class TaskHandler {
 public:
  // Tasks run with `runner`; reports name the worker `worker_id`.
  static Result<std::unique_ptr<TaskHandler>> Create(std::shared_ptr<TaskRunner> runner,
                                                     std::string worker_id);

  // What became of a message, for logs: "task 3/1 of REQ (PATH): ENDED_SUCCESS",
  // "dropped: ...". Malformed: the message was not a task at all.
  struct Handled {
    std::string outcome;
    bool malformed = false;
  };
  // Runs the task `text` describes, if it is still wanted.
  Handled Handle(const std::string& text, const MetricsStamp& stamp = {});

  RedisClient& redis() { return *redis_; }
  const std::string& id() const { return id_; }
  const std::string& prefix() const { return prefix_; }

 private:
  TaskHandler(std::unique_ptr<RedisClient> redis, std::unique_ptr<Blobstore> blobstore,
              std::shared_ptr<TaskRunner> runner, std::string prefix, std::string worker_id);
  std::string RunQueryTask(nlohmann::json& message, const JobKeys& keys, double invoke_time,
                           const MetricsStamp& stamp);
  std::string RunRegistrationTask(const nlohmann::json& message, const JobKeys& keys,
                                  double invoke_time, const MetricsStamp& stamp);
  // Reports the attempt started and applies an injected fault; false when it is not to run
  // (the job ended, or the fault failed it).
  bool StartAttempt(const JobKeys& keys, const std::string& attempt_id,
                    const std::string& part_path, int attempt, const MetricsStamp& stamp);
  // Reports the attempt's end and result; `what` names the task in the outcome returned.
  std::string FinishAttempt(const JobKeys& keys, const std::string& attempt_id,
                            const std::string& what, const std::string& part_path,
                            const Status& status, const std::string& result_json);
  // Takes a part of a self-selecting task: fills the request's task index and part path.
  // False when no part is left (the job's other workers took them all).
  Result<bool> SelectPart(const JobKeys& keys, double invoke_time, QueryTaskRequest* request,
                          bool* from_cache);
  // Writes an attempt's status (and result); false when the job has ended.
  Result<bool> Report(const JobKeys& keys, const std::string& attempt_id, TaskStatus status,
                      const std::string& result_json = "");
  // Drops cached parts of older registrations of the task's dataset (re-registered since).
  void ForgetOlderRegistrations(const dataset::DatasetId& dataset);
  // The fault to inject into this attempt, if any.
  const InjectedFault* FaultFor(const std::string& part_path, int attempt) const;

  std::unique_ptr<RedisClient> redis_;
  std::unique_ptr<Blobstore> blobstore_;
  std::shared_ptr<TaskRunner> runner_;
  std::string prefix_;
  std::string id_;  // "host:pid"
  double reject_age_ = 60;
  double preflight_seconds_ = 0.2;
  std::vector<InjectedFault> faults_;
  // Task index of each part this worker has cached, by cache key (self-selection members
  // name parts by index and path).
  std::unordered_map<std::string, std::string> part_members_;
  // Self-selection members this worker already tried to take in the current job: each is
  // tried once, since a member once taken never comes back.
  std::string selecting_job_;
  std::unordered_set<std::string> tried_members_;
  // The newest registration seen of each dataset name: name -> registered_at.
  std::unordered_map<std::string, std::string> registrations_;
};

}  // namespace frocket::cluster
