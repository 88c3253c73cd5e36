// AsyncInvoker: runs a job's tasks on remote workers that report through Redis (the protocol is
// in job_keys.h), tracking every attempt. How tasks reach a worker is a TaskLauncher's: the
// work queue pushes them onto a Redis list that `frocket worker` processes pop
// (work_queue_invoker.h); the Lambda launcher invokes a function once per task
// (lambda_invoker.h). Everything else is shared:
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
// cached if it can (see TaskHandler).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/attempt_tracker.h"
#include "cluster/invoker.h"
#include "cluster/job_keys.h"
#include "cluster/redis_client.h"

namespace frocket::cluster {

class Blobstore;

struct AsyncSettings {
  double run_timeout = 60;       // FROCKET_INVOKER_RUN_TIMEOUT
  double poll_interval = 0.025;  // FROCKET_INVOKER_ASYNC_POLL_INTERVAL_MS
  // FROCKET_INVOKER_RETRY_MAX_ATTEMPTS, _RETRY_FAILED_INTERVAL, _RETRY_LOST_INTERVAL.
  RetryPolicy retry;
  bool self_select = true;  // FROCKET_WORKER_SELF_SELECT_ENABLED
  static Result<AsyncSettings> FromConfig();
};

// What one job's run remembers between its launcher's checks of the runners.
struct RunnerWatch {
  std::optional<std::chrono::steady_clock::time_point> none_since;  // no runner seen since
};

// How a job's task messages reach workers. One launcher serves all the invoker's jobs, from
// any thread.
class TaskLauncher {
 public:
  virtual ~TaskLauncher() = default;
  // "work queue", "Lambda function frocket at https://...", for logs.
  virtual std::string Describe() const = 0;
  // Sends the messages (task requests as JSON, attempt included) on their way; `redis` is
  // the run's connection. The tracking keys of their attempts exist already. *sent counts
  // the messages that left, also when the launch fails.
  virtual Status Launch(RedisClient& redis, const std::vector<std::string>& messages,
                        int64_t* sent) = 0;
  // Asked about once a second while a job's tasks are unfinished, with that job's `watch`: an
  // error ends the job at once (nobody can run its tasks).
  virtual Status CheckRunners(RedisClient& redis, RunnerWatch* watch) = 0;
  // Why no task was taken, for the run timeout's error: the tracking keys under `keys` are
  // still there, the tasks were launched.
  virtual std::string WhyNoneTaken(RedisClient& redis, const JobKeys& keys) = 0;
  // What tasks cost in dollars, from the invocations launched and the GB-seconds billed to
  // them (TaskMetrics::billed_ms × memory_mb); nullopt where workers are paid for otherwise.
  virtual std::optional<double> Cost(int64_t /*launched*/, double /*billed_gb_seconds*/) const {
    return std::nullopt;
  }
};

// The GB-seconds an attempt was billed for (0 outside Lambda).
double BilledGbSeconds(const TaskMetrics& metrics);

class AsyncInvoker final : public Invoker {
 public:
  // Tracks jobs in the Redis FROCKET_DATASTORE_REDIS_* / FROCKET_REDIS_* name.
  static Result<std::unique_ptr<AsyncInvoker>> Create(std::unique_ptr<TaskLauncher> launcher);
  ~AsyncInvoker() override;

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
  class TrackedRun;
  JobRun RunJob(const Job& job, const ProgressCallback& progress,
                std::vector<std::optional<nlohmann::json>>* results);

  AsyncInvoker(RedisEndpoint endpoint, std::string prefix, AsyncSettings settings,
               std::unique_ptr<Blobstore> blobstore, std::unique_ptr<TaskLauncher> launcher);

  RedisEndpoint endpoint_;
  std::string prefix_;
  AsyncSettings settings_;
  std::unique_ptr<Blobstore> blobstore_;
  std::unique_ptr<TaskLauncher> launcher_;
};

}  // namespace frocket::cluster
