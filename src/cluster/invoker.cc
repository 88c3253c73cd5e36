#include "cluster/invoker.h"

#include <thread>

#include "cluster/lambda_invoker.h"
#include "cluster/local_invoker.h"
#include "cluster/work_queue_invoker.h"
#include "common/config.h"
#include "common/machine.h"

namespace frocket::cluster {

Result<std::unique_ptr<Invoker>> CreateInvoker(std::shared_ptr<TaskRunner> runner) {
  const std::string kind = Config::Get("FROCKET_INVOKER");
  if (kind == "local") {
    int threads = static_cast<int>(machine::UsableCores());
    int remote_threads = std::max(threads, kRemoteTasksInFlight);
    if (!Config::Get("FROCKET_LOCAL_THREADS").empty()) {
      FROCKET_ASSIGN_OR_RETURN(int64_t t, Config::Int("FROCKET_LOCAL_THREADS", 1, 1024));
      threads = remote_threads = static_cast<int>(t);
    }
    FROCKET_ASSIGN_OR_RETURN(double run_timeout, Config::Double("FROCKET_INVOKER_RUN_TIMEOUT"));
    if (run_timeout <= 0) {
      return Status::Invalid("FROCKET_INVOKER_RUN_TIMEOUT must be positive");
    }
    return std::unique_ptr<Invoker>(
        std::make_unique<LocalInvoker>(threads, remote_threads, std::move(runner), run_timeout));
  }
  if (kind == "work_queue") {
    if (Config::Get("FROCKET_DATASTORE") != "redis") {
      return Status::Invalid(
          "FROCKET_INVOKER=work_queue needs FROCKET_DATASTORE=redis: workers find their tasks "
          "and datasets in Redis");
    }
    return CreateWorkQueueInvoker();
  }
  if (kind == "aws_lambda") {
    if (Config::Get("FROCKET_DATASTORE") != "redis") {
      return Status::Invalid(
          "FROCKET_INVOKER=aws_lambda needs FROCKET_DATASTORE=redis: Lambda instances find "
          "their datasets and report their tasks in Redis");
    }
    return CreateLambdaInvoker();
  }
  return Status::Invalid("FROCKET_INVOKER=" + kind + ": expected local, work_queue or aws_lambda");
}

}  // namespace frocket::cluster
