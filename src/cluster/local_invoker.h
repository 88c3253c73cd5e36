// LocalInvoker: runs a job's tasks on a thread pool in this process (FROCKET_LOCAL_THREADS,
// default all cores — and at least kRemoteTasksInFlight for parts on S3, whose tasks mostly
// wait for the network), reporting progress as task statuses change — the embedded mode's
// invoker. A task that fails here would fail the same way again, so nothing is retried.
// FROCKET_INVOKER_RUN_TIMEOUT bounds a job as in cluster mode: tasks not started by then
// fail, and remote reads under way give up at it (see Deadline).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "cluster/invoker.h"
#include "cluster/worker.h"

namespace frocket::cluster {

// Tasks run at once over remote parts when FROCKET_LOCAL_THREADS does not say: with 20 ms
// per request, 8 in flight on 2 cores halve a first query's time (bench/s3_latency.sh).
inline constexpr int kRemoteTasksInFlight = 8;

class LocalInvoker final : public Invoker {
 public:
  // threads: tasks at once over local files; remote_threads: over parts on S3.
  LocalInvoker(int threads, int remote_threads, std::shared_ptr<PartCache> cache,
               double run_timeout_seconds)
      : threads_(threads < 1 ? 1 : threads),
        remote_threads_(remote_threads < 1 ? 1 : remote_threads),
        run_timeout_(run_timeout_seconds),
        worker_(std::move(cache)) {}

  std::string Describe() const override {
    return "local (" + std::to_string(threads_) + " threads, " + std::to_string(remote_threads_) +
           " over S3)";
  }
  JobRun RunQueries(const std::vector<QueryTaskRequest>& requests, double job_start,
                    const ProgressCallback& progress,
                    std::vector<QueryTaskResult>* results) override;
  JobRun RunRegistrations(const std::vector<RegistrationTaskRequest>& requests, double job_start,
                          const ProgressCallback& progress,
                          std::vector<RegistrationTaskResult>* results) override;
  void ForgetDataset(const std::string& name) override;

  int threads() const { return threads_; }

 private:
  // Runs task(i, status) for i < count, at most `threads` at once; returns when all ended.
  InvokerTimes Run(size_t count, int threads,
                   const std::function<void(size_t, const StatusCallback&)>& task,
                   const ProgressCallback& progress);
  // Runs each request through run_task under the job's deadline; a task not started by the
  // deadline fails without running.
  template <typename Request, typename TaskResult>
  JobRun RunJob(const std::vector<Request>& requests, const ProgressCallback& progress,
                std::vector<TaskResult>* results,
                const std::function<TaskResult(const Request&, const StatusCallback&)>& run_task);

  int threads_;
  int remote_threads_;
  double run_timeout_;
  Worker worker_;
};

}  // namespace frocket::cluster
