// AttemptTracker: what the work-queue invoker knows of a job's tasks — each task's attempts
// and their statuses as workers report them, which attempt's result is used, and when an
// attempt is due to be retried:
//
// - a failed attempt after retry_failed_interval seconds, while attempts are left (the job
//   fails once a task has failed max_attempts);
// - an attempt with no status change for retry_lost_interval seconds is lost (its worker
//   died or never came), and retried while attempts are left;
// - when several attempts of a task succeed, the first seen is used, the others ignored.
//
// It knows nothing of Redis: the invoker feeds it events and carries out its decisions.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cluster/task.h"
#include "common/status.h"

namespace frocket::cluster {

struct RetryPolicy {
  int max_attempts = 3;
  double retry_failed_interval = 3;
  double retry_lost_interval = 20;
};

class AttemptTracker {
 public:
  using Clock = std::chrono::steady_clock;

  // Tasks start with their first attempt queued, now.
  AttemptTracker(size_t tasks, RetryPolicy policy);

  // A worker's report: attempt `attempt` of task `index` is now `status`, with its result
  // JSON once ended (nullopt if unreadable). Returns the result to use when this report
  // completes the task.
  std::optional<nlohmann::json> Observe(size_t index, int attempt, TaskStatus status,
                                        std::optional<nlohmann::json> result);

  // The tasks whose next attempt is due now, and the lost attempts among them (counted).
  // Not OK when a task has failed all its attempts, naming its part.
  struct Due {
    std::vector<size_t> retry;
    int64_t lost = 0;
  };
  Result<Due> DueRetries(const std::vector<std::string>& part_paths);
  // A new attempt of task i was queued.
  void Retried(size_t index, int attempt);

  // Seconds until the next retry could fall due (never below 0).
  double SecondsToNextDue() const;

  bool all_done() const { return done_ == status_.size(); }
  size_t done() const { return done_; }
  size_t size() const { return status_.size(); }
  int64_t failed_attempts() const { return failed_attempts_; }
  // Whether anything changed since the last call.
  bool TakeChanged();
  // Tasks by the status of their latest attempt (a done task as ENDED_SUCCESS).
  std::map<std::string, int64_t> Counts() const;
  // Unfinished tasks by the status of their latest attempt: "2 QUEUED, 1 RUNNING_QUERY".
  std::string UnfinishedSummary() const;
  // Whether every unfinished task is still in its queued state.
  bool AllUnfinishedQueued() const;

 private:
  struct Task {
    int attempts = 1;                         // attempts made so far (the latest is this number)
    std::map<int, TaskStatus> status;         // attempt -> latest status seen
    TaskStatus latest = TaskStatus::kQueued;  // of the latest attempt
    Clock::time_point latest_change;          // when the latest attempt's status last changed
    bool done = false;
    std::string last_error;
  };
  double SinceChange(const Task& t) const;

  RetryPolicy policy_;
  std::vector<Task> status_;
  size_t done_ = 0;
  int64_t failed_attempts_ = 0;
  bool changed_ = true;
};

}  // namespace frocket::cluster
