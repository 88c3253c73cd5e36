// QueueWorker: `frocket worker` — takes tasks from the Redis work queue, one at a time, and
// runs them with a TaskHandler; says every second that it is alive. Redis going away is
// waited out: the worker reconnects and carries on.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "cluster/task_handler.h"

namespace frocket::cluster {

class QueueWorker {
 public:
  // Tasks run with `runner`.
  static Result<std::unique_ptr<QueueWorker>> Create(std::shared_ptr<TaskRunner> runner);

  // Serves tasks until `stop` becomes true (checked at least every second).
  void Serve(const std::atomic<bool>& stop);

  const std::string& id() const { return handler_->id(); }

 private:
  explicit QueueWorker(std::unique_ptr<TaskHandler> handler) : handler_(std::move(handler)) {}

  std::unique_ptr<TaskHandler> handler_;
};

}  // namespace frocket::cluster
