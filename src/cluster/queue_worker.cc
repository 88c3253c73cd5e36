#include "cluster/queue_worker.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "common/log.h"

namespace frocket::cluster {

namespace {

// How long a BRPOP blocks before the worker checks whether it should stop.
constexpr double kDequeueBlockSeconds = 1;
// Waits between reconnection attempts while Redis is away: from the first to the last.
constexpr double kFirstBackoffSeconds = 0.05;
constexpr double kMaxBackoffSeconds = 1;

void SleepSeconds(double s) {
  std::this_thread::sleep_for(std::chrono::duration<double>(s));
}

std::string HostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "unknown-host";
  return buf;
}

}  // namespace

Result<std::unique_ptr<QueueWorker>> QueueWorker::Create(std::shared_ptr<TaskRunner> runner) {
  FROCKET_ASSIGN_OR_RETURN(
      auto handler,
      TaskHandler::Create(std::move(runner), HostName() + ":" + std::to_string(getpid())));
  return std::unique_ptr<QueueWorker>(new QueueWorker(std::move(handler)));
}

void QueueWorker::Serve(const std::atomic<bool>& stop) {
  RedisClient& redis = handler_->redis();
  const std::string queue = TaskQueueKey(handler_->prefix());
  log::Info("worker", "worker " + id() + " waiting for tasks on " + redis.endpoint().Describe() +
                          ", queue " + queue);
  // Says every second that this worker is alive (on a connection of its own: a task may take
  // longer than that), so that invokers can tell a cluster without workers at once.
  std::thread heartbeat([this, &stop, endpoint = redis.endpoint()] {
    const std::string key = WorkersKey(handler_->prefix());
    std::unique_ptr<RedisClient> heartbeat_redis;
    while (!stop.load()) {
      if (!heartbeat_redis) {
        auto connected = RedisClient::Connect(endpoint);
        if (connected.ok()) heartbeat_redis = std::move(*connected);
      }
      if (heartbeat_redis &&
          !heartbeat_redis->Run({"EVAL", kWorkerAliveScript, "1", key, id()}).ok()) {
        heartbeat_redis.reset();
      }
      for (int i = 0; i < 10 && !stop.load(); ++i) SleepSeconds(0.1);
    }
    if (heartbeat_redis) (void)heartbeat_redis->Run({"ZREM", key, id()});
  });
  double backoff = 0;
  while (!stop.load()) {
    char block[16];
    std::snprintf(block, sizeof(block), "%.0f", kDequeueBlockSeconds);
    auto popped = redis.RunBlocking({"BRPOP", queue, block}, kDequeueBlockSeconds);
    if (!popped.ok()) {
      if (backoff == 0) {
        log::Warning("worker", popped.status().message() + "; reconnecting until it is back");
      }
      backoff = std::min(kMaxBackoffSeconds, std::max(kFirstBackoffSeconds, backoff * 2));
      SleepSeconds(backoff);
      continue;
    }
    if (backoff != 0) {
      log::Info("worker", "connected to " + redis.endpoint().Describe() + " again");
      backoff = 0;
    }
    if (popped->is_nil() || popped->elements.size() != 2) continue;
    handler_->Handle(popped->elements[1].str);
  }
  heartbeat.join();
  log::Info("worker", "worker " + id() + " stopped");
}

}  // namespace frocket::cluster
