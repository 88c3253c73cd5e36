#include "cluster/attempt_tracker.h"

#include <algorithm>

#include "common/log.h"
#include "common/text.h"

namespace frocket::cluster {

AttemptTracker::AttemptTracker(size_t tasks, RetryPolicy policy) : policy_(policy), status_(tasks) {
  for (Task& t : status_) {
    t.status[1] = TaskStatus::kQueued;
    t.latest_change = Clock::now();
  }
}

double AttemptTracker::SinceChange(const Task& t) const {
  return std::chrono::duration<double>(Clock::now() - t.latest_change).count();
}

std::optional<nlohmann::json> AttemptTracker::Observe(size_t index, int attempt, TaskStatus status,
                                                      std::optional<nlohmann::json> result) {
  Task& t = status_[index];
  auto seen = t.status.find(attempt);
  if (seen != t.status.end() && seen->second == status) return std::nullopt;
  t.status[attempt] = status;
  changed_ = true;
  if (attempt == t.attempts) {
    t.latest = status;
    t.latest_change = Clock::now();
  }
  const std::string id = std::to_string(index) + "/" + std::to_string(attempt);
  if (status == TaskStatus::kEndedFailed) {
    ++failed_attempts_;
    t.last_error = result && result->contains("error") && (*result)["error"].is_string()
                       ? (*result)["error"].get<std::string>()
                       : "the worker reported a failure without a result";
    log::Info("invoker", "task " + id + " failed: " + t.last_error);
    return std::nullopt;
  }
  if (status != TaskStatus::kEndedSuccess) return std::nullopt;
  if (t.done) {
    log::Debug("invoker", "task " + id + " succeeded again; result ignored");
    return std::nullopt;
  }
  if (!result) {
    t.last_error = "the worker reported success without a readable result";
    return std::nullopt;
  }
  t.done = true;
  ++done_;
  return result;
}

Result<AttemptTracker::Due> AttemptTracker::DueRetries(const std::vector<std::string>& part_paths) {
  Due due;
  for (size_t i = 0; i < status_.size(); ++i) {
    const Task& t = status_[i];
    if (t.done) continue;
    const double since = SinceChange(t);
    if (t.latest == TaskStatus::kEndedFailed) {
      if (t.attempts >= policy_.max_attempts) {
        return Status::IOError(
            "part " + part_paths[i] + " (task " + std::to_string(i) + ") failed " +
            std::to_string(t.attempts) +
            " attempts (FROCKET_INVOKER_RETRY_MAX_ATTEMPTS), the last with: " + t.last_error);
      }
      if (since >= policy_.retry_failed_interval) {
        log::Info("invoker", "retrying failed task " + std::to_string(i));
        due.retry.push_back(i);
      }
    } else if (since >= policy_.retry_lost_interval && t.attempts < policy_.max_attempts) {
      log::Info("invoker", "task " + std::to_string(i) + " attempt " + std::to_string(t.attempts) +
                               " is lost (" + TaskStatusName(t.latest) + " for " +
                               text::Fixed(since, 2) + " s); retrying");
      ++due.lost;
      due.retry.push_back(i);
    }
  }
  return due;
}

void AttemptTracker::Retried(size_t index, int attempt) {
  Task& t = status_[index];
  t.attempts = attempt;
  t.status[attempt] = TaskStatus::kQueued;
  t.latest = TaskStatus::kQueued;
  t.latest_change = Clock::now();
  changed_ = true;
}

double AttemptTracker::SecondsToNextDue() const {
  double wait = 1e9;
  for (const Task& t : status_) {
    if (t.done) continue;
    const double due = t.latest == TaskStatus::kEndedFailed ? policy_.retry_failed_interval
                                                            : policy_.retry_lost_interval;
    wait = std::min(wait, due - SinceChange(t));
  }
  return std::max(wait, 0.0);
}

bool AttemptTracker::TakeChanged() {
  const bool changed = changed_;
  changed_ = false;
  return changed;
}

std::map<std::string, int64_t> AttemptTracker::Counts() const {
  std::map<std::string, int64_t> counts;
  for (const Task& t : status_) {
    ++counts[TaskStatusName(t.done ? TaskStatus::kEndedSuccess : t.latest)];
  }
  return counts;
}

std::string AttemptTracker::UnfinishedSummary() const {
  std::map<std::string, int64_t> counts;
  for (const Task& t : status_) {
    if (!t.done) ++counts[TaskStatusName(t.latest)];
  }
  std::string detail;
  for (const auto& [s, c] : counts) {
    detail += (detail.empty() ? "" : ", ") + std::to_string(c) + " " + s;
  }
  return detail;
}

bool AttemptTracker::AllUnfinishedQueued() const {
  return std::all_of(status_.begin(), status_.end(),
                     [](const Task& t) { return t.done || t.latest == TaskStatus::kQueued; });
}

}  // namespace frocket::cluster
