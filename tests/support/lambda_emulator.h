// LambdaEmulator: the frocket binary as an AWS Lambda function, run locally — npm
// @vercel/fun starts instances of the function's `bootstrap` (a link to the frocket binary,
// which then runs as its custom runtime) and serves their Runtime API, and
// tests/support/lambda_emulator.mjs puts the Invoke API in front. AWS itself cannot be
// reached from tests; this is the real binary speaking the real protocols.
//
// Instances inherit the emulator's environment (less the names Lambda reserves); what they
// print, including their REPORT lines, goes to the emulator's log.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "support/background_process.h"

namespace frocket::testing {

class LambdaEmulator {
 public:
  // Function `name`, its instances run with `env`; its files in `function_dir` (a deployment
  // package unzipped), or by default a directory under `dir` whose bootstrap links to the
  // frocket binary under test. The emulator's own files go under `dir` (created).
  static Result<std::unique_ptr<LambdaEmulator>> Start(const std::string& dir,
                                                       const std::string& name,
                                                       const Environment& env,
                                                       const std::string& function_dir = "");
  // Stops the emulator and waits for its instances to go.
  ~LambdaEmulator();

  // http://127.0.0.1:PORT, for FROCKET_LAMBDA_AWS_ENDPOINT_URL.
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  BackgroundProcess& process() { return *process_; }
  // {"accepted", "legacy", "throttled", "completed", "failed"}: the invocations so far.
  Result<nlohmann::json> Stats() const;
  // Waits up to timeout_seconds until Stats()[name] is at least `value`; the stats then.
  Result<nlohmann::json> AwaitStat(const std::string& name, int64_t value,
                                   double timeout_seconds = 15) const;
  // The next `count` invocations are answered 429 TooManyRequestsException.
  Status Throttle(int count) const;
  // The instances' REPORT lines of tasks of the job `request_id`, once there are at least
  // `count` (an instance logs it after answering its invocation); what there is after
  // timeout_seconds otherwise.
  std::vector<std::string> AwaitReports(const std::string& request_id, size_t count,
                                        double timeout_seconds = 15) const;

 private:
  LambdaEmulator(int port, std::unique_ptr<BackgroundProcess> process)
      : port_(port), process_(std::move(process)) {}

  int port_;
  std::unique_ptr<BackgroundProcess> process_;
};

// The number after `label` in a REPORT line ("Billed Duration: " -> 12); -1 if absent.
double ReportValue(const std::string& line, const std::string& label);

}  // namespace frocket::testing
