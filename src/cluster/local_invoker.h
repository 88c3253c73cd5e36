// LocalInvoker: runs a job's tasks on a thread pool in this process (FROCKET_LOCAL_THREADS,
// default all cores — and at least kRemoteTasksInFlight for parts on S3, whose tasks mostly
// wait for the network), reporting progress as task statuses change — the embedded mode's
// invoker. A task that fails here would fail the same way again, so nothing is retried.
// FROCKET_INVOKER_RUN_TIMEOUT bounds a job as in cluster mode: tasks not started by then
// fail, remote reads under way give up at it (see Deadline), and a task still running a moment
// later (a read that never returns) is abandoned: the job fails naming its part, and frees
// its caller.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cluster/injected_fault.h"
#include "cluster/invoker.h"
#include "cluster/task_runner.h"

namespace frocket::cluster {

// Tasks run at once over remote parts when FROCKET_LOCAL_THREADS does not say: with 20 ms
// per request, 8 in flight on 2 cores halve a first query's time (bench/s3_latency.sh).
inline constexpr int kRemoteTasksInFlight = 8;

class LocalInvoker final : public Invoker {
 public:
  // threads: tasks at once over local files; remote_threads: over parts on S3.
  // Also applies FROCKET_WORKER_FAULT_INJECTION (tests only).
  LocalInvoker(int threads, int remote_threads, std::shared_ptr<TaskRunner> runner,
               double run_timeout_seconds);

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
  // Runs task(i, status) for i < count, at most `threads` at once; returns when all ended,
  // or shortly after the deadline, leaving the tasks still running behind.
  InvokerTimes Run(size_t count, int threads,
                   std::function<void(size_t, const StatusCallback&)> task,
                   const ProgressCallback& progress,
                   std::chrono::steady_clock::time_point deadline);
  // Runs each request through run_task under the job's deadline; a task not started by the
  // deadline fails without running, one still running past it is abandoned.
  template <typename Request, typename TaskResult>
  JobRun RunJob(const std::vector<Request>& requests, const ProgressCallback& progress,
                std::vector<TaskResult>* results,
                std::function<TaskResult(const Request&, const StatusCallback&)> run_task);

  int threads_;
  int remote_threads_;
  double run_timeout_;
  std::shared_ptr<TaskRunner> runner_;  // shared with abandoned tasks
  std::vector<InjectedFault> faults_;
};

}  // namespace frocket::cluster
