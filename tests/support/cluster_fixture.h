// ClusterTest: a cluster of one test's own — a private redis-server, `frocket worker`
// processes and the CLI in cluster mode (FROCKET_DATASTORE=redis, FROCKET_INVOKER=work_queue)
// — beside the embedded mode (SQLite under another FROCKET_HOME, tasks in-process), whose
// answers are the expected ones: the two modes share the engine but not the transport of
// tasks and results, which is what these tests are about.
//
// Everything a test starts is SIGKILLed in TearDown, whatever the test's outcome; when a
// test failed, the workers' logs are printed.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/background_process.h"
#include "support/frocket_cli.h"
#include "support/redis_server.h"

namespace frocket::testing {

// Queries over `frocket generate`'s activity dataset, each a --string argument ("" runs
// --empty), covering conditions with count and sum targets, includeZero, relations with not,
// sequences, funnels with step and end aggregations, and timeframes.
const std::vector<std::string>& ActivityQueries();

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // A directory under the test's own temporary directory (created).
  std::string Dir(const std::string& name) const;

  // The environment of the cluster mode (CLI and workers), with `extra` on top.
  Environment ClusterEnv(const Environment& extra = {}) const;
  // The environment of the embedded mode, with `extra` on top.
  Environment EmbeddedEnv(const Environment& extra = {}) const;

  // Starts n `frocket worker` processes (appended to workers_) in the cluster environment
  // plus `extra`, and waits until they wait for tasks.
  void StartWorkers(int n, const Environment& extra = {});
  // The worker whose process id is pid, or nullptr.
  BackgroundProcess* WorkerWithPid(pid_t pid);

  FrocketRun Cluster(const std::vector<std::string>& args, const Environment& extra = {},
                     int timeout_seconds = 60) const;
  FrocketRun Embedded(const std::vector<std::string>& args, int timeout_seconds = 60) const;

  // `frocket generate` into a new directory; its path.
  std::string Generate(const std::string& name, int64_t rows, int parts, int seed);
  // Registers DIR as NAME in both modes (user_id, ts, --validation first_last).
  void RegisterInBothModes(const std::string& name, const std::string& dir);

  // `run NAME --string QUERY --nopretty` (--empty for "").
  static std::vector<std::string> RunArgs(const std::string& name, const std::string& query);
  // The answer of a successful query run: its "query" and "funnel"; fails the test (and
  // returns null) if the run did not succeed.
  static nlohmann::json Answer(const FrocketRun& run);
  // The embedded mode's answer to a query (the expected answer).
  nlohmann::json EmbeddedAnswer(const std::string& name, const std::string& query) const;
  // stats.invoker.NAME or stats.worker.cache.NAME of a response (-1 if missing).
  static int64_t InvokerStat(const FrocketRun& run, const std::string& name);
  static int64_t CacheStat(const FrocketRun& run, const std::string& name);

  // The lines of the workers' logs that hold every one of `parts`.
  std::vector<std::string> WorkerLogLines(const std::vector<std::string>& parts) const;
  // The same, once there are at least `count` of them: a worker logs a task's end after
  // reporting it, so the line may come after the job has ended. Gives up after timeout_seconds.
  std::vector<std::string> AwaitWorkerLogLines(const std::vector<std::string>& parts, size_t count,
                                               double timeout_seconds = 15) const;

  // The attempts of the job now running, from its status hash in Redis ("index/attempt" ->
  // {"status", "worker", "time"}); empty if no job runs. REQUIRES: at most one job at a time.
  std::map<std::string, nlohmann::json> RunningJobAttempts() const;
  // Polls the running job until attempt "index/attempt" has `status`; the pid of the worker
  // running it, or 0 after timeout_seconds.
  pid_t WaitForAttempt(const std::string& attempt, const std::string& status,
                       double timeout_seconds = 30) const;

  std::unique_ptr<RedisServer> redis_;
  std::vector<std::unique_ptr<BackgroundProcess>> workers_;

 private:
  std::string root_;
};

// `base` with each variable of `extra` set on top (replacing a variable of the same name).
Environment WithOverrides(Environment base, const Environment& extra);

// The log lines of text containing every one of `parts`.
std::vector<std::string> LinesWith(const std::string& text, const std::vector<std::string>& parts);

}  // namespace frocket::testing
