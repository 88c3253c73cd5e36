#include "cluster/work_queue_invoker.h"

#include <chrono>

#include "cluster/job_keys.h"
#include "cluster/redis_datastore.h"

namespace frocket::cluster {

namespace {

using Clock = std::chrono::steady_clock;

class QueueLauncher final : public TaskLauncher {
 public:
  QueueLauncher(RedisEndpoint endpoint, const std::string& prefix)
      : endpoint_(std::move(endpoint)), prefix_(prefix), queue_(TaskQueueKey(prefix)) {}

  std::string Describe() const override { return "work queue"; }

  Status Launch(RedisClient& redis, const std::vector<std::string>& messages,
                int64_t* sent) override {
    RedisCommand push = {"LPUSH", queue_};
    push.insert(push.end(), messages.begin(), messages.end());
    auto pushed = redis.Run(push);
    *sent = pushed.ok() ? static_cast<int64_t>(messages.size()) : 0;
    return pushed.status();
  }

  // A cluster without live workers fails within seconds instead of at the run timeout; a
  // worker starting meanwhile (within kWorkerLiveSeconds) is in time.
  Status CheckRunners(RedisClient& redis, RunnerWatch* watch) override {
    const std::string workers = WorkersKey(prefix_);
    auto live =
        redis.Run({"EVAL", kLiveWorkersScript, "1", workers, std::to_string(kWorkerLiveSeconds)});
    if (!live.ok()) return live.status().WithContext("checking for live workers");
    if (live->integer > 0) {
      watch->none_since.reset();
      return Status::OK();
    }
    if (!watch->none_since) watch->none_since = Clock::now();
    const double silent = std::chrono::duration<double>(Clock::now() - *watch->none_since).count();
    if (silent < static_cast<double>(kWorkerLiveSeconds)) return Status::OK();
    return Status::IOError(
        "no live worker: no `frocket worker` has said it is alive in " + endpoint_.Describe() +
        " (key " + workers + ") for " + std::to_string(kWorkerLiveSeconds) +
        " s; start workers with FROCKET_DATASTORE=redis and this Redis in FROCKET_REDIS_HOST/"
        "PORT (and the same FROCKET_DATASTORE_REDIS_PREFIX)");
  }

  // Queued tasks that are no longer in the queue nor tracked were removed from Redis
  // (evicted, or flushed): say so rather than blame the workers.
  std::string WhyNoneTaken(RedisClient& redis, const JobKeys& keys) override {
    auto left = redis.RunAll({{"EXISTS", keys.alive}, {"LLEN", queue_}});
    const bool vanished =
        left.ok() && left->size() == 2 && ((*left)[0].integer == 0 || (*left)[1].integer == 0);
    const std::string where = endpoint_.Describe();
    if (vanished) {
      const std::string risk = EvictionRisk(redis);
      return "The job's tasks are no longer in " + where + " (removed or evicted: " +
             (risk.empty() ? std::string("check its maxmemory-policy") : risk) + ")";
    }
    return "No worker took a task: are `frocket worker` processes running against " + where + "?";
  }

 private:
  RedisEndpoint endpoint_;
  std::string prefix_;
  std::string queue_;
};

}  // namespace

Result<std::unique_ptr<Invoker>> CreateWorkQueueInvoker() {
  FROCKET_ASSIGN_OR_RETURN(auto endpoint, RedisEndpoint::FromConfig("DATASTORE"));
  FROCKET_ASSIGN_OR_RETURN(auto invoker, AsyncInvoker::Create(std::make_unique<QueueLauncher>(
                                             std::move(endpoint), RedisKeyPrefix())));
  return std::unique_ptr<Invoker>(std::move(invoker));
}

Result<int64_t> CountLiveWorkers() {
  FROCKET_ASSIGN_OR_RETURN(auto endpoint, RedisEndpoint::FromConfig("DATASTORE"));
  FROCKET_ASSIGN_OR_RETURN(auto redis, RedisClient::Connect(endpoint));
  FROCKET_ASSIGN_OR_RETURN(
      auto live, redis->Run({"EVAL", kLiveWorkersScript, "1", WorkersKey(RedisKeyPrefix()),
                             std::to_string(kWorkerLiveSeconds)}));
  return live.integer;
}

}  // namespace frocket::cluster
