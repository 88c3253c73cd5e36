// `frocket lambda-runtime`: this binary as an AWS Lambda custom runtime (cluster/
// lambda_runtime.h). main() also runs it when AWS_LAMBDA_RUNTIME_API is set and no command
// is given, so the binary can be the function's `bootstrap` itself (package_lambda_command.cc
// makes that package).

#include <cstdlib>
#include <memory>

#include "cli/commands.h"
#include "cluster/datastore.h"
#include "cluster/lambda_runtime.h"
#include "common/config.h"
#include "common/log.h"
#include "service/part_runner.h"

namespace frocket::cli {

int RunLambdaRuntime(std::chrono::steady_clock::time_point process_start) {
  // /tmp is the one writable directory of a Lambda instance: the disk cache goes there.
  if (std::getenv("FROCKET_HOME") == nullptr) ::setenv("FROCKET_HOME", "/tmp/frocket", 1);
  Result<std::shared_ptr<cluster::TaskRunner>> runner = Status::Invalid(
      "a Lambda instance reports its tasks through Redis: set FROCKET_DATASTORE=redis and "
      "FROCKET_REDIS_HOST/PORT in the function's environment");
  if (Config::Get("FROCKET_DATASTORE") == "redis") {
    log::Info("lambda", cluster::DescribeDeployment());
    auto part_runner = service::PartRunner::FromConfig();
    runner = part_runner.ok() ? Result<std::shared_ptr<cluster::TaskRunner>>(*part_runner)
                              : Result<std::shared_ptr<cluster::TaskRunner>>(part_runner.status());
  }
  return cluster::RunLambdaRuntime(std::move(runner), process_start);
}

void AddLambdaCommands(CLI::App& app, Globals& globals) {
  auto* runtime = app.add_subcommand(
      "lambda-runtime",
      "Serve AWS Lambda invocations as the function's custom runtime (needs "
      "AWS_LAMBDA_RUNTIME_API; also the default when it is set and no command is given)");
  runtime->callback([&globals] { globals.exit_code = RunLambdaRuntime(globals.started); });
}

}  // namespace frocket::cli
