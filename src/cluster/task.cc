#include "cluster/task.h"

namespace frocket::cluster {

const char* TaskStatusName(TaskStatus status) {
  switch (status) {
    case TaskStatus::kQueued:
      return "QUEUED";
    case TaskStatus::kLoadingData:
      return "LOADING_DATA";
    case TaskStatus::kRunningQuery:
      return "RUNNING_QUERY";
    case TaskStatus::kRunning:
      return "RUNNING";
    case TaskStatus::kEndedSuccess:
      return "ENDED_SUCCESS";
    case TaskStatus::kEndedFailed:
      return "ENDED_FAILED";
  }
  return "?";
}

std::optional<TaskStatus> TaskStatusFromName(std::string_view name) {
  for (TaskStatus s : {TaskStatus::kQueued, TaskStatus::kLoadingData, TaskStatus::kRunningQuery,
                       TaskStatus::kRunning, TaskStatus::kEndedSuccess, TaskStatus::kEndedFailed}) {
    if (name == TaskStatusName(s)) return s;
  }
  return std::nullopt;
}

const char* LoadSourceName(LoadSource source) {
  switch (source) {
    case LoadSource::kSource:
      return "source";
    case LoadSource::kMemoryCache:
      return "memoryCache";
    case LoadSource::kDiskCache:
      return "diskCache";
    case LoadSource::kTranscodedCache:
      return "transcodedCache";
  }
  return "?";
}

}  // namespace frocket::cluster
