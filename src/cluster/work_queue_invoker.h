// WorkQueueInvoker (FROCKET_INVOKER=work_queue): runs a job's tasks on `frocket worker`
// processes through Redis (the protocol is in job_keys.h), tracking every attempt:
//
// - a failed attempt is retried after FROCKET_INVOKER_RETRY_FAILED_INTERVAL seconds;
// - an attempt with no status update for FROCKET_INVOKER_RETRY_LOST_INTERVAL seconds is
//   considered lost (its worker died or never came) and retried;
// - a task has at most FROCKET_INVOKER_RETRY_MAX_ATTEMPTS attempts; the job fails as soon as
//   one task has failed them all, or after FROCKET_INVOKER_RUN_TIMEOUT seconds;
// - when several attempts of a task succeed, the first the invoker sees is used, the others
//   ignored.
//
// It wakes when a worker reports (a blocking pop on the job's events list), not on a fixed
// poll interval. With FROCKET_WORKER_SELF_SELECT_ENABLED, first attempts of query tasks do
// not name a part: the job's parts are published as a set and each worker takes one it has
// cached if it can (see QueueWorker).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/attempt_tracker.h"
#include "cluster/invoker.h"
#include "cluster/redis_client.h"

namespace frocket::cluster {

class Blobstore;

struct WorkQueueSettings {
  double run_timeout = 60;       // FROCKET_INVOKER_RUN_TIMEOUT
  double poll_interval = 0.025;  // FROCKET_INVOKER_ASYNC_POLL_INTERVAL_MS
  // FROCKET_INVOKER_RETRY_MAX_ATTEMPTS, _RETRY_FAILED_INTERVAL, _RETRY_LOST_INTERVAL.
  RetryPolicy retry;
  bool self_select = true;  // FROCKET_WORKER_SELF_SELECT_ENABLED
  static Result<WorkQueueSettings> FromConfig();
};

// The `frocket worker` processes that said they are alive within kWorkerLiveSeconds, in the
// Redis FROCKET_DATASTORE_REDIS_* / FROCKET_REDIS_* names.
Result<int64_t> CountLiveWorkers();

class WorkQueueInvoker final : public Invoker {
 public:
  static Result<std::unique_ptr<WorkQueueInvoker>> Create();
  ~WorkQueueInvoker() override;

  std::string Describe() const override;
  JobRun RunQueries(const std::vector<QueryTaskRequest>& requests, double job_start,
                    const ProgressCallback& progress,
                    std::vector<QueryTaskResult>* results) override;
  JobRun RunRegistrations(const std::vector<RegistrationTaskRequest>& requests, double job_start,
                          const ProgressCallback& progress,
                          std::vector<RegistrationTaskResult>* results) override;
  // Workers key their caches by registration; nothing to do here.
  void ForgetDataset(const std::string&) override {}

 private:
  // One job: messages[i] is task i's request (the attempt is filled in here); with
  // self_select_members, first attempts let workers choose the part. On return, results[i]
  // is the JSON result of task i's attempt used (unset if none succeeded).
  struct Job {
    std::string request_id;
    std::vector<nlohmann::json> messages;
    std::vector<std::string> self_select_members;
    double job_start = 0;
  };
  class QueueRun;
  JobRun RunJob(const Job& job, const ProgressCallback& progress,
                std::vector<std::optional<nlohmann::json>>* results);

  WorkQueueInvoker(RedisEndpoint endpoint, std::string prefix, WorkQueueSettings settings,
                   std::unique_ptr<Blobstore> blobstore);

  RedisEndpoint endpoint_;
  std::string prefix_;
  WorkQueueSettings settings_;
  std::unique_ptr<Blobstore> blobstore_;
};

}  // namespace frocket::cluster
