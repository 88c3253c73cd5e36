// Cluster mode under faults: workers killed, failing or stalled (FROCKET_WORKER_FAULT_INJECTION),
// no workers at all, Redis stopped or restarted, garbage on the work queue. Whenever a query
// can still be answered, the answer must be exactly the embedded mode's (a part lost or
// counted twice would change it), and the stats must say what happened; when it cannot, the
// CLI must fail promptly with a message that says why.
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <future>
#include <thread>

#include "support/cluster_fixture.h"

namespace frocket::testing {
namespace {

using nlohmann::json;

// A query whose answer has per-value maps that any lost or doubled part would change.
const std::string& FaultQuery() {
  return ActivityQueries()[1];
}

class ClusterFaults : public ClusterTest {
 protected:
  // Workers (with `worker_env`, e.g. faults) and the dataset "activity" registered in both
  // modes; expected_ is the embedded answer to FaultQuery(). Faults must be on parts 1 to 4:
  // registration (first_last) runs tasks on parts 0 and 5.
  void Prepare(int workers, const Environment& worker_env) {
    ASSERT_NO_FATAL_FAILURE(StartWorkers(workers, worker_env));
    dir_ = Generate("activity", 60000, 6, 11);
    ASSERT_NO_FATAL_FAILURE(RegisterInBothModes("activity", dir_));
    expected_ = EmbeddedAnswer("activity", FaultQuery());
    ASSERT_FALSE(expected_.is_null());
  }

  // The cluster query, in the background.
  std::future<FrocketRun> QueryInBackground(const Environment& env) {
    return std::async(std::launch::async,
                      [this, env] { return Cluster(RunArgs("activity", FaultQuery()), env); });
  }

  static std::string RequestId(const FrocketRun& r) {
    return r.out && r.out->is_object() ? r.out->value("requestId", "") : "";
  }

  std::string dir_;
  json expected_;
};

std::string Joined(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

// (a) The worker running part 3's first attempt is SIGKILLed mid-task: the invoker hears
// nothing more of that attempt, considers it lost and runs it again elsewhere.
TEST_F(ClusterFaults, WorkerKilledMidTaskIsRetriedAsLost) {
  ASSERT_NO_FATAL_FAILURE(
      Prepare(3, {{"FROCKET_WORKER_FAULT_INJECTION", "part-00003@1:sleep=60000"}}));
  auto query = QueryInBackground(
      {{"FROCKET_INVOKER_RETRY_LOST_INTERVAL", "1"}, {"FROCKET_INVOKER_RUN_TIMEOUT", "30"}});
  // Task index = the part's place among the sorted file names: part-00003 is task 3.
  const pid_t pid = WaitForAttempt("3/1", "LOADING_DATA");
  ASSERT_GT(pid, 0) << "no worker took part 3's first attempt";
  BackgroundProcess* victim = WorkerWithPid(pid);
  ASSERT_NE(victim, nullptr) << "attempt 3/1 runs on pid " << pid << ", not one of ours";
  const int status = victim->Kill();
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

  const FrocketRun r = query.get();
  EXPECT_EQ(Answer(r), expected_);
  EXPECT_GE(InvokerStat(r, "lostTasks"), 1) << r.Describe();
  EXPECT_GE(InvokerStat(r, "retriedTasks"), 1) << r.Describe();
  EXPECT_EQ(InvokerStat(r, "failedTasks"), 0) << r.Describe();
  // Part 3 was done by another worker, in a later attempt.
  const auto done =
      AwaitWorkerLogLines({" of " + RequestId(r) + " (", "part-00003", "ENDED_SUCCESS"}, 1);
  EXPECT_EQ(done.size(), 1u) << Joined(done);
  for (const auto& line : done) EXPECT_EQ(line.find("task 3/1 "), std::string::npos) << line;
  EXPECT_TRUE(LinesWith(victim->Log(), {"part-00003", "ENDED"}).empty());
  for (const auto& w : workers_) {
    EXPECT_TRUE(w.get() == victim || w->Running()) << "worker " << w->pid() << " died";
  }
}

// (b) Part 2's first attempt fails: it is retried after the failed interval and succeeds.
TEST_F(ClusterFaults, FailedAttemptIsRetried) {
  ASSERT_NO_FATAL_FAILURE(Prepare(3, {{"FROCKET_WORKER_FAULT_INJECTION", "part-00002@1:fail"}}));
  const FrocketRun r = Cluster(RunArgs("activity", FaultQuery()),
                               {{"FROCKET_INVOKER_RETRY_FAILED_INTERVAL", "0.2"}});
  EXPECT_EQ(Answer(r), expected_);
  EXPECT_EQ(InvokerStat(r, "failedTasks"), 1) << r.Describe();
  EXPECT_EQ(InvokerStat(r, "retriedTasks"), 1) << r.Describe();
  EXPECT_EQ(InvokerStat(r, "lostTasks"), 0) << r.Describe();
  EXPECT_EQ(AwaitWorkerLogLines({"task 2/2 of " + RequestId(r), "ENDED_SUCCESS"}, 1).size(), 1u);
  EXPECT_EQ(AwaitWorkerLogLines({"task 2/1 of " + RequestId(r), "injected fault"}, 1).size(), 1u);
}

// (c) Part 1's first attempt stalls past the lost interval, so a second attempt runs; then the
// first one finishes too, while the job still runs (part 4 is held up for longer: its first
// two attempts stall). Both attempts of part 1 succeed; only one may count.
TEST_F(ClusterFaults, SlowDuplicateAttemptFinishingDuringTheJobIsIgnored) {
  ASSERT_NO_FATAL_FAILURE(
      Prepare(3, {{"FROCKET_WORKER_FAULT_INJECTION",
                   "part-00001@1:sleep=3500;part-00004@1:sleep=60000;part-00004@2:sleep=60000"}}));
  // Part 1: attempt 1 is lost at ~2.7 s and done at ~3.7 s. Part 4: attempt 2 starts after
  // ~2.7 s and is lost 2.5 s later, so the job cannot end before ~5.2 s.
  const FrocketRun r =
      Cluster(RunArgs("activity", FaultQuery()), {{"FROCKET_INVOKER_RETRY_LOST_INTERVAL", "2.5"},
                                                  {"FROCKET_INVOKER_RUN_TIMEOUT", "30"},
                                                  {"FROCKET_LOG_LEVEL", "debug"}});
  EXPECT_EQ(Answer(r), expected_);
  EXPECT_GE(InvokerStat(r, "lostTasks"), 3) << r.Describe();  // 1/1, 4/1, 4/2
  EXPECT_EQ(InvokerStat(r, "failedTasks"), 0) << r.Describe();
  const std::string of = " of " + RequestId(r) + " (";
  const auto first = AwaitWorkerLogLines({"task 1/1" + of, "part-00001", "ENDED_SUCCESS"}, 1);
  const auto second = AwaitWorkerLogLines({"task 1/2" + of, "part-00001", "ENDED_SUCCESS"}, 1);
  ASSERT_EQ(first.size(), 1u) << "the slow first attempt should have finished during the job";
  EXPECT_EQ(first[0].find("result dropped"), std::string::npos) << first[0];
  EXPECT_EQ(second.size(), 1u);
  // The invoker saw both succeed, and used one.
  EXPECT_TRUE(Mentions(r.result.err,
                       "task 1/1 succeeded again; result ignored|"
                       "task 1/2 succeeded again; result ignored"))
      << r.Describe();
  EXPECT_EQ(AwaitWorkerLogLines({"task 4/3" + of, "part-00004", "ENDED_SUCCESS"}, 1).size(), 1u);
}

// (c') The slow first attempt of part 1 finishes after the job ended: its result is dropped
// and nothing of the job is left in Redis.
TEST_F(ClusterFaults, SlowDuplicateAttemptFinishingAfterTheJobIsDropped) {
  ASSERT_NO_FATAL_FAILURE(
      Prepare(3, {{"FROCKET_WORKER_FAULT_INJECTION", "part-00001@1:sleep=3000"}}));
  const FrocketRun r =
      Cluster(RunArgs("activity", FaultQuery()), {{"FROCKET_INVOKER_RETRY_LOST_INTERVAL", "1"}});
  EXPECT_EQ(Answer(r), expected_);
  EXPECT_GE(InvokerStat(r, "lostTasks"), 1) << r.Describe();
  const std::string of = " of " + RequestId(r) + " (";
  EXPECT_EQ(AwaitWorkerLogLines({"task 1/2" + of, "part-00001", "ENDED_SUCCESS"}, 1).size(), 1u);
  const auto late = AwaitWorkerLogLines({"task 1/1" + of, "part-00001", "ENDED_SUCCESS"}, 1, 30);
  ASSERT_EQ(late.size(), 1u) << "the stalled attempt should have finished";
  EXPECT_NE(late[0].find("result dropped"), std::string::npos) << late[0];
  const ProcessResult keys = redis_->Cli({"--scan", "--pattern", "frocket:req-*"});
  EXPECT_EQ(keys.out, "") << "keys of ended jobs left in Redis";
}

// (d) No worker at all: the job fails at the run timeout, saying that no worker took a task.
// A Redis that evicts keys when full (maxmemory with an LRU or random policy) can silently
// drop registered datasets and queued tasks: processes warn at start, and a job whose tasks
// vanished says so instead of blaming the workers.
TEST_F(ClusterFaults, EvictingRedisIsWarnedAboutAndVanishedTasksAreNamed) {
  ASSERT_NO_FATAL_FAILURE(Prepare(1, {}));
  ASSERT_TRUE(workers_[0]->Signal(SIGTERM));
  ASSERT_TRUE(workers_[0]->WaitForExit(10).has_value());
  redis_->Cli({"CONFIG", "SET", "maxmemory", "500mb"});
  redis_->Cli({"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"});
  const FrocketRun list = Cluster({"list", "--nopretty"});
  EXPECT_EQ(list.result.exit_code, 0) << list.Describe();
  EXPECT_TRUE(Mentions(list.result.err, "maxmemory-policy allkeys-lru")) << list.Describe();
  EXPECT_TRUE(Mentions(list.result.err, "noeviction")) << list.Describe();

  // No worker runs; the queue is emptied behind the invoker's back, as an eviction would.
  FrocketRun r;
  std::thread query([&] {
    r = Cluster(RunArgs("activity", FaultQuery()), {{"FROCKET_INVOKER_RUN_TIMEOUT", "3"}});
  });
  // Wait until every task is queued (the queue stops growing), then empty it.
  bool queued = false;
  int last = 0;
  for (int i = 0; i < 200 && !queued; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const int len = std::atoi(redis_->Cli({"LLEN", "frocket:queues:default"}).out.c_str());
    queued = len > 0 && len == last;
    last = len;
  }
  EXPECT_TRUE(queued) << "the query's tasks never reached the queue";
  redis_->Cli({"DEL", "frocket:queues:default"});
  query.join();
  ExpectFailed(r, {"timed out", "no longer in Redis", "maxmemory-policy allkeys-lru"});
  EXPECT_FALSE(Mentions(r.result.err, "No worker took a task")) << r.Describe();

  // With noeviction, no warning.
  redis_->Cli({"CONFIG", "SET", "maxmemory-policy", "noeviction"});
  const FrocketRun quiet = Cluster({"list", "--nopretty"});
  EXPECT_FALSE(Mentions(quiet.result.err, "evicts keys")) << quiet.Describe();
}

TEST_F(ClusterFaults, NoWorkersFailsAtTheRunTimeout) {
  ASSERT_NO_FATAL_FAILURE(Prepare(1, {}));
  // SIGTERM stops a worker cleanly (it checks at least every second).
  ASSERT_TRUE(workers_[0]->Signal(SIGTERM));
  const auto status = workers_[0]->WaitForExit(10);
  ASSERT_TRUE(status.has_value()) << "the worker did not stop on SIGTERM";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << *status;

  const Environment timeout = {{"FROCKET_INVOKER_RUN_TIMEOUT", "2"}};
  for (const auto& args :
       {RunArgs("activity", FaultQuery()),
        std::vector<std::string>{"register", "other", dir_, "user_id", "ts", "--nopretty"}}) {
    const double start = MonotonicSeconds();
    const FrocketRun r = Cluster(args, timeout);
    const double took = MonotonicSeconds() - start;
    EXPECT_GE(took, 2.0) << r.Describe();
    EXPECT_LT(took, 4.5) << r.Describe();
    ExpectFailed(r, {"timed out", "FROCKET_INVOKER_RUN_TIMEOUT", "No worker took a task",
                     "frocket worker", "127.0.0.1:" + std::to_string(redis_->port())});
  }
  // The failed registration left nothing behind.
  const FrocketRun list = Cluster({"list", "--nopretty"});
  ASSERT_TRUE(list.out && list.out->is_array()) << list.Describe();
  EXPECT_EQ(list.out->size(), 1u) << list.Describe();
}

// With a longer run timeout, a cluster without live workers fails within seconds: workers
// say they are alive every second, and the invoker gives them 5 s to appear. A worker that
// starts within those seconds is in time.
TEST_F(ClusterFaults, NoLiveWorkerFailsWithinSeconds) {
  ASSERT_NO_FATAL_FAILURE(Prepare(1, {}));
  ASSERT_TRUE(workers_[0]->Signal(SIGTERM));
  ASSERT_TRUE(workers_[0]->WaitForExit(10).has_value());
  // A stopped worker takes itself off the list at once.
  EXPECT_EQ(redis_->Cli({"ZCARD", "frocket:workers"}).out, "0\n");
  const Environment patient = {{"FROCKET_INVOKER_RUN_TIMEOUT", "60"}};
  const double start = MonotonicSeconds();
  const FrocketRun r = Cluster(RunArgs("activity", FaultQuery()), patient);
  const double took = MonotonicSeconds() - start;
  EXPECT_GE(took, 5.0) << r.Describe();
  EXPECT_LT(took, 9.0) << r.Describe();
  ExpectFailed(r,
               {"no live worker", "frocket worker", "127.0.0.1:" + std::to_string(redis_->port())});

  // A worker starting 2 s into the job serves it.
  auto query = QueryInBackground(patient);
  SleepForSeconds(2);
  ASSERT_NO_FATAL_FAILURE(StartWorkers(1, {}));
  EXPECT_EQ(Answer(query.get()), expected_);
}

// (e) Redis dies while a task runs: the CLI fails at once, naming Redis, instead of waiting
// for the run timeout; the workers live on, waiting for Redis to come back.
TEST_F(ClusterFaults, RedisStoppedDuringAQueryFailsPromptly) {
  ASSERT_NO_FATAL_FAILURE(
      Prepare(3, {{"FROCKET_WORKER_FAULT_INJECTION", "part-00002@1:sleep=60000"}}));
  auto query = QueryInBackground({{"FROCKET_INVOKER_RUN_TIMEOUT", "60"}});
  ASSERT_GT(WaitForAttempt("2/1", "LOADING_DATA"), 0) << "part 2 never started";
  const double killed_at = MonotonicSeconds();
  redis_->process().Kill();
  const FrocketRun r = query.get();
  EXPECT_LT(MonotonicSeconds() - killed_at, 5.0) << r.Describe();
  ExpectFailed(r, {"Redis at 127.0.0.1:" + std::to_string(redis_->port())});
  SleepForSeconds(1);  // long enough for a worker to notice and (wrongly) give up
  for (const auto& w : workers_) EXPECT_TRUE(w->Running()) << "worker " << w->pid() << " died";
}

// (f) Redis restarts (losing everything): the running workers reconnect by themselves, and
// once the dataset is registered again they serve queries exactly.
TEST_F(ClusterFaults, WorkersSurviveARedisRestart) {
  ASSERT_NO_FATAL_FAILURE(Prepare(3, {}));
  EXPECT_EQ(Answer(Cluster(RunArgs("activity", FaultQuery()))), expected_);

  const int port = redis_->port();
  redis_.reset();  // SIGKILL
  auto restarted = RedisServer::Start(Dir("redis-again"), port);
  ASSERT_TRUE(restarted.ok()) << restarted.status().message();
  redis_ = std::move(*restarted);
  for (const auto& w : workers_) {
    EXPECT_TRUE(WaitUntil([&] { return w->Log().find("again") != std::string::npos; }, 20))
        << "worker " << w->pid() << " did not reconnect";
  }
  // Nothing was persisted: the dataset is gone with the old server.
  ExpectFailed(Cluster(RunArgs("activity", FaultQuery())), {"'activity'", "not found"});

  FrocketRun registered = Cluster(
      {"register", "activity", dir_, "user_id", "ts", "--validation", "first_last", "--nopretty"});
  EXPECT_EQ(registered.result.exit_code, 0) << registered.Describe();
  // The workers' blobstore connections, idle since before the restart, must not fail the
  // registration's tasks (each wrote its group ids there).
  EXPECT_EQ(InvokerStat(registered, "failedTasks"), 0) << registered.Describe();
  const FrocketRun r = Cluster(RunArgs("activity", FaultQuery()));
  EXPECT_EQ(Answer(r), expected_);
  // Served by the same worker processes: all six tasks are in their logs.
  EXPECT_EQ(AwaitWorkerLogLines({" of " + RequestId(r) + " (", "ENDED_SUCCESS"}, 6).size(), 6u);
  for (const auto& w : workers_) EXPECT_TRUE(w->Running());
}

// (g) Part 3 fails on every attempt: the job fails naming the part and the attempts.
TEST_F(ClusterFaults, TaskFailingEveryAttemptFailsTheJob) {
  ASSERT_NO_FATAL_FAILURE(
      Prepare(3, {{"FROCKET_WORKER_FAULT_INJECTION", "part-00003@1:fail;part-00003@2:fail"}}));
  const FrocketRun r = Cluster(RunArgs("activity", FaultQuery()),
                               {{"FROCKET_INVOKER_RETRY_MAX_ATTEMPTS", "2"},
                                {"FROCKET_INVOKER_RETRY_FAILED_INTERVAL", "0.2"}});
  ExpectFailed(r, {"part-00003.parquet", "failed 2 attempts", "FROCKET_INVOKER_RETRY_MAX_ATTEMPTS",
                   "injected fault"});
  EXPECT_EQ(InvokerStat(r, "failedTasks"), 2) << r.Describe();
  EXPECT_EQ(InvokerStat(r, "retriedTasks"), 1) << r.Describe();
}

// (h) Garbage pushed straight onto the work queue is dropped with a log line; the worker
// lives on and serves the next query.
TEST_F(ClusterFaults, MalformedQueueMessagesDoNotKillAWorker) {
  ASSERT_NO_FATAL_FAILURE(Prepare(1, {}));
  const std::string now = std::to_string(std::time(nullptr));
  // A job that exists, so that messages naming it get past the check for ended jobs.
  ASSERT_EQ(redis_->Cli({"SET", "frocket:req-fake:alive", "1", "EX", "120"}).exit_code, 0);
  const std::vector<std::string> garbage = {
      "garbage",
      "",
      "{}",
      "[1, 2]",
      R"({"kind": 5})",
      R"({"kind": "query", "invokeTime": "soon"})",
      R"({"kind": "query", "requestId": 7, "invokeTime": )" + now + "}",
      R"({"kind": "query", "requestId": "fake", "invokeTime": )" + now + "}",
      R"({"kind": "query", "requestId": "fake", "selfSelect": "yes", "invokeTime": )" + now + "}",
      R"({"kind": "registration", "requestId": "fake", "invokeTime": )" + now + "}",
      R"({"kind": "query", "requestId": "ended", "invokeTime": )" + now + "}",
      R"({"kind": "query", "requestId": "fake", "invokeTime": 1})",
      std::string(100000, '{'),
      // Last (the queue is first in, first out): when this is logged, all were handled.
      R"({"kind": "bogus", "requestId": "fake", "invokeTime": )" + now + "}",
  };
  std::vector<std::string> push = {"LPUSH", "frocket:queues:default"};
  push.insert(push.end(), garbage.begin(), garbage.end());
  ASSERT_EQ(redis_->Cli(push).out, std::to_string(garbage.size()) + "\n");
  BackgroundProcess& worker = *workers_[0];
  EXPECT_TRUE(WaitUntil(
      [&] { return !worker.Running() || worker.Log().find("'bogus'") != std::string::npos; }, 30))
      << worker.Log();
  ASSERT_TRUE(worker.Running()) << "the worker died: " << worker.Log();
  EXPECT_GE(LinesWith(worker.Log(), {"ERROR", "malformed"}).size(), 5u) << worker.Log();

  const FrocketRun r = Cluster(RunArgs("activity", FaultQuery()));
  EXPECT_EQ(Answer(r), expected_);
  EXPECT_EQ(AwaitWorkerLogLines({" of " + RequestId(r) + " (", "ENDED_SUCCESS"}, 6).size(), 6u);
}

}  // namespace
}  // namespace frocket::testing
