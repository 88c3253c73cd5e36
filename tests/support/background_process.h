// BackgroundProcess: a child that runs beside a test — a server, a `frocket worker` — with its
// stdout and stderr going to a log file. The test can signal it (SIGKILL, SIGSTOP, SIGTERM),
// wait for it and read its log; whatever happens to the test, the child does not outlive it:
// it is SIGKILLed and reaped on destruction, and killed by the kernel if the test process
// dies first.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "support/subprocess.h"

namespace frocket::testing {

class BackgroundProcess {
 public:
  // Starts argv[0] (a path) with `env` added to this process's environment, appending its
  // output to log_path.
  // REQUIRES: called from a thread that lives as long as the child (the kernel kills the
  // child when the thread that forked it ends); in tests, the main thread.
  static Result<std::unique_ptr<BackgroundProcess>> Start(const std::vector<std::string>& argv,
                                                          const Environment& env,
                                                          const std::string& log_path);
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return log_path_; }
  // What it has written so far.
  std::string Log() const;

  // Sends a signal; false if it has already been reaped.
  bool Signal(int signal);
  // Whether it has not exited yet (reaps it if it has).
  bool Running();
  // Waits up to timeout_seconds for it to exit; its wait status, or nullopt if still running.
  std::optional<int> WaitForExit(double timeout_seconds);
  // SIGKILL (also ends a stopped process) and reap; its wait status.
  int Kill();

 private:
  BackgroundProcess(pid_t pid, std::string log_path) : pid_(pid), log_path_(std::move(log_path)) {}

  pid_t pid_;
  std::string log_path_;
  std::optional<int> wait_status_;  // once reaped
};

// Polls `condition` every 20 ms until it holds or timeout_seconds have passed; whether it held.
template <typename Condition>
bool WaitUntil(Condition&& condition, double timeout_seconds);

// Reads a whole file ("" if it cannot be read).
std::string ReadWholeFile(const std::string& path);

// Seconds on a monotonic clock, for measuring how long something took.
double MonotonicSeconds();

void SleepForSeconds(double seconds);

// Waits up to timeout_seconds until a server `process` logs "<marker>127.0.0.1:PORT"; the
// port, or an error with its log.
Result<int> AwaitListeningPort(BackgroundProcess& process, const std::string& marker,
                               double timeout_seconds);

template <typename Condition>
bool WaitUntil(Condition&& condition, double timeout_seconds) {
  const double deadline = MonotonicSeconds() + timeout_seconds;
  while (true) {
    if (condition()) return true;
    if (MonotonicSeconds() >= deadline) return false;
    SleepForSeconds(0.02);
  }
}

}  // namespace frocket::testing
