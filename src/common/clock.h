// The wall clock jobs and tasks are timed on: seconds since the epoch, as a double, comparable
// across processes (a task's start against its job's).
#pragma once

#include <chrono>

namespace frocket {

inline double NowSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace frocket
