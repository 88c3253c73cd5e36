// Invoker: runs a job's tasks — one per part — somewhere, and hands back each task's result.
// The local invoker runs them on threads of this process; the work-queue invoker through
// Redis on `frocket worker` processes, retrying failed and lost attempts. Either way the
// caller gets exactly one result per task (the first successful attempt's) or a failure.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cluster/task.h"
#include "cluster/task_runner.h"
#include "common/status.h"

namespace frocket::cluster {

// A job's progress (Funnel Rocket's streaming update).
struct Progress {
  std::string message;
  std::string stage;                     // STARTING, RUNNING, FINISHING, DONE
  std::map<std::string, int64_t> tasks;  // status name -> count
};
using ProgressCallback = std::function<void(const Progress&)>;

struct InvokerTimes {
  double enqueue_seconds = 0;
  double poll_seconds = 0;
};

// How running a job's tasks went.
struct JobRun {
  InvokerTimes times;
  int64_t retried_tasks = 0;  // attempts beyond each task's first
  int64_t lost_tasks = 0;     // attempts given up on for lack of status updates
  int64_t failed_attempts = 0;
  int64_t launched = 0;  // invocations or queue messages sent, retries included
  // What the job's tasks cost (the Lambda invoker only), every attempt included.
  std::optional<double> cost_dollars;
  // Not OK when the job as a whole failed (a task out of attempts, the run timeout, the
  // datastore gone); task results are then partial.
  Status status;
};

class Invoker {
 public:
  virtual ~Invoker() = default;
  // "local (4 threads)", "work queue on Redis at ...", for logs.
  virtual std::string Describe() const = 0;

  // Runs requests[i] as task i; (*results)[i] is its result. job_start: NowSeconds() when
  // the job started.
  virtual JobRun RunQueries(const std::vector<QueryTaskRequest>& requests, double job_start,
                            const ProgressCallback& progress,
                            std::vector<QueryTaskResult>* results) = 0;
  virtual JobRun RunRegistrations(const std::vector<RegistrationTaskRequest>& requests,
                                  double job_start, const ProgressCallback& progress,
                                  std::vector<RegistrationTaskResult>* results) = 0;

  // Parts cached for registrations of this dataset name are never used again.
  virtual void ForgetDataset(const std::string& name) = 0;
};

// The invoker FROCKET_INVOKER names: local (default), whose threads run tasks with `runner`,
// or work_queue.
Result<std::unique_ptr<Invoker>> CreateInvoker(std::shared_ptr<TaskRunner> runner);

}  // namespace frocket::cluster
