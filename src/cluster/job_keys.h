// Where the work queue and a job's task tracking live in Redis — the protocol between the
// work-queue invoker and `frocket worker` processes:
//
//   {prefix}queues:default       list of task messages (invokers LPUSH, workers BRPOP)
//   {prefix}req-{id}:alive       exists while the job runs; workers drop tasks of ended jobs
//   {prefix}req-{id}:attempts    hash task index -> attempts made (the atomic counter that
//                                numbers attempts)
//   {prefix}req-{id}:status      hash "index/attempt" -> {"status", "worker", "time"}
//   {prefix}req-{id}:results     hash "index/attempt" -> the attempt's result
//   {prefix}req-{id}:events      list of "index/attempt" whose status changed: the invoker
//                                blocks on it instead of polling
//   {prefix}req-{id}:parts       set of "index path" members workers select parts from
//   {prefix}workers              sorted set: worker id -> when it last said it is alive
//                                (Redis's clock, seconds); every second while it runs
//
// Every job key expires (a job abandoned by a crashed invoker leaves nothing behind), and
// workers write through kWriteStatusScript, which writes nothing once the job has ended.
#pragma once

#include <cstdint>
#include <string>

namespace frocket::cluster {

struct JobKeys {
  JobKeys(const std::string& prefix, const std::string& request_id)
      : request_id(request_id),
        alive(Scoped(prefix, request_id, "alive")),
        attempts(Scoped(prefix, request_id, "attempts")),
        status(Scoped(prefix, request_id, "status")),
        results(Scoped(prefix, request_id, "results")),
        events(Scoped(prefix, request_id, "events")),
        parts(Scoped(prefix, request_id, "parts")) {}

  std::string request_id;
  std::string alive, attempts, status, results, events, parts;

 private:
  static std::string Scoped(const std::string& prefix, const std::string& id, const char* what) {
    return prefix + "req-" + id + ":" + what;
  }
};

inline std::string TaskQueueKey(const std::string& prefix) {
  return prefix + "queues:default";
}

inline std::string WorkersKey(const std::string& prefix) {
  return prefix + "workers";
}

// A worker is live if it said so within this many seconds; it says so every second.
inline constexpr int64_t kWorkerLiveSeconds = 5;

// KEYS: workers. ARGV: worker id. Records that the worker is alive now (Redis's clock, so
// that the hosts' clocks do not matter) and forgets workers silent for a minute.
inline constexpr const char* kWorkerAliveScript = R"lua(
local now = tonumber(redis.call('TIME')[1])
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 60)
return 1
)lua";

// KEYS: workers. ARGV: seconds. The number of workers alive within that many seconds.
inline constexpr const char* kLiveWorkersScript = R"lua(
local now = tonumber(redis.call('TIME')[1])
return redis.call('ZCOUNT', KEYS[1], now - tonumber(ARGV[1]), '+inf')
)lua";

// "3/1": task 3, attempt 1.
inline std::string AttemptId(size_t task_index, int attempt) {
  return std::to_string(task_index) + "/" + std::to_string(attempt);
}

// KEYS: alive, status, events, results. ARGV: attempt id, status JSON, result JSON ("" for
// none). Writes the status (and result), announces it on the events list and gives the keys
// the job's expiry — only while the job is alive. Returns 1 if written, 0 if the job ended.
inline constexpr const char* kWriteStatusScript = R"lua(
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[4], ARGV[1], ARGV[3])
  redis.call('EXPIRE', KEYS[4], ttl)
end
redis.call('RPUSH', KEYS[3], ARGV[1])
redis.call('EXPIRE', KEYS[3], ttl)
redis.call('EXPIRE', KEYS[2], ttl)
return 1
)lua";

}  // namespace frocket::cluster
