// `frocket worker`: a cluster worker process, serving tasks from the Redis work queue until
// SIGTERM or SIGINT.

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "cli/commands.h"
#include "cluster/datastore.h"
#include "cluster/queue_worker.h"
#include "common/config.h"
#include "common/log.h"
#include "service/part_runner.h"

namespace frocket::cli {

namespace {

std::atomic<bool> stop_requested{false};

extern "C" void RequestStop(int) {
  stop_requested.store(true);
}

int RunWorker() {
  if (Config::Get("FROCKET_DATASTORE") != "redis") {
    std::fprintf(stderr,
                 "frocket: error: a worker takes its tasks from Redis, but FROCKET_DATASTORE is "
                 "%s: set FROCKET_DATASTORE=redis (and FROCKET_REDIS_HOST/PORT)\n",
                 std::getenv("FROCKET_DATASTORE") ? Config::Get("FROCKET_DATASTORE").c_str()
                                                  : "not set (sqlite by default)");
    return 2;
  }
  log::Info("worker", cluster::DescribeDeployment());
  auto runner = service::PartRunner::FromConfig();
  auto worker = runner.ok() ? cluster::QueueWorker::Create(*runner)
                            : Result<std::unique_ptr<cluster::QueueWorker>>(runner.status());
  if (!worker.ok()) {
    std::fprintf(stderr, "error: %s\n", worker.status().message().c_str());
    return 1;
  }
  std::signal(SIGTERM, RequestStop);
  std::signal(SIGINT, RequestStop);
  (*worker)->Serve(stop_requested);
  return 0;
}

}  // namespace

void AddWorkerCommand(CLI::App& app, Globals& globals) {
  auto* worker = app.add_subcommand(
      "worker", "Serve tasks from the Redis work queue (cluster mode) until SIGTERM");
  worker->callback([&globals] { globals.exit_code = RunWorker(); });
}

}  // namespace frocket::cli
