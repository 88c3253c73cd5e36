// Injected faults, for fault-tolerance tests only (FROCKET_WORKER_FAULT_INJECTION): entries
// "PART_SUBSTRING@ATTEMPT:fail", "PART_SUBSTRING@ATTEMPT:kill" or
// "PART_SUBSTRING@ATTEMPT:sleep=MS", separated by ';'. An attempt of a task whose part path
// contains PART_SUBSTRING fails, kills its own process (SIGKILL) or sleeps after reporting
// LOADING_DATA, as a failing, crashing or stalled worker would. Queue workers, Lambda
// instances and the embedded mode's local invoker (whose tasks are attempt 1) apply them;
// the local invoker ignores kill, which would take the whole query's process down.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace frocket::cluster {

struct InjectedFault {
  std::string part_substring;
  int attempt = 1;
  bool fail = false;
  bool kill = false;
  int sleep_ms = 0;
};
Result<std::vector<InjectedFault>> ParseInjectedFaults(const std::string& spec);

// The fault for this attempt at this part, or null.
const InjectedFault* FindFault(const std::vector<InjectedFault>& faults,
                               const std::string& part_path, int attempt);

}  // namespace frocket::cluster
