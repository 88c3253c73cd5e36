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

const char* LoadSourceName(LoadSource source) {
  switch (source) {
    case LoadSource::kSource:
      return "source";
    case LoadSource::kMemoryCache:
      return "memoryCache";
    case LoadSource::kDiskCache:
      return "diskCache";
  }
  return "?";
}

}  // namespace frocket::cluster
