// LocalInvoker: runs a job's tasks on a thread pool in this process (FROCKET_LOCAL_THREADS,
// default all cores), reporting progress as task statuses change. The embedded mode's
// invoker, and the model of the cluster's: tasks go in, task statuses and results come out.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>

#include "cluster/task.h"

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

class LocalInvoker {
 public:
  explicit LocalInvoker(int threads) : threads_(threads < 1 ? 1 : threads) {}

  // Runs task(i, status) for i < count, at most `threads` at once; returns when all ended.
  InvokerTimes Run(size_t count, const std::function<void(size_t, const StatusCallback&)>& task,
                   const ProgressCallback& progress);

  int threads() const { return threads_; }

 private:
  int threads_;
};

}  // namespace frocket::cluster
