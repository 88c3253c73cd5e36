// LambdaRuntime: `frocket lambda-runtime` — the frocket binary as an AWS Lambda custom runtime
// (the function's `bootstrap`; main() starts it by itself when AWS_LAMBDA_RUNTIME_API is set
// and no command is given). It speaks the Runtime API at AWS_LAMBDA_RUNTIME_API:
//
//   GET  /2018-06-01/runtime/invocation/next            blocks until an invocation comes
//   POST /2018-06-01/runtime/invocation/ID/response     what became of the task
//   POST /2018-06-01/runtime/invocation/ID/error        the payload was not a task
//   POST /2018-06-01/runtime/init/error                 the instance cannot serve (config,
//                                                       Redis unreachable): then it exits
//
// Each invocation's payload is one task message, run by a TaskHandler exactly as a queue
// worker runs it: status and result go to Redis, decoded parts stay in memory and remote
// files in the disk cache (under /tmp unless FROCKET_HOME says otherwise) for the instance's
// next invocations, and self-selecting tasks take the parts this instance holds.
//
// Each task's metrics say whether the instance was cold (its first invocation) or warm, the
// INIT phase of a cold one, and the billed duration — the invocation so far plus INIT,
// rounded up to 1 ms — with the function's memory (AWS_LAMBDA_FUNCTION_MEMORY_SIZE). Before
// answering each invocation it logs a line like Lambda's own: "REPORT RequestId: ...
// Duration: ... ms Billed Duration: ... ms Memory Size: ... MB [Init Duration: ... ms]
// Cold|Warm Outcome: task 3/1 of REQ (PATH): ENDED_SUCCESS".
#pragma once

#include <chrono>
#include <memory>

#include "cluster/task_runner.h"
#include "common/status.h"

namespace frocket::cluster {

// Serves invocations until the Runtime API goes away, running tasks with `runner` — or, when
// it is an error, reports that as the instance's init error. process_start: when the process
// started, for the INIT phase's length. Returns the process's exit code.
int RunLambdaRuntime(Result<std::shared_ptr<TaskRunner>> runner,
                     std::chrono::steady_clock::time_point process_start);

}  // namespace frocket::cluster
