#include "cluster/work_queue_invoker.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <optional>

#include "cluster/blobstore.h"
#include "cluster/job_keys.h"
#include "cluster/redis_datastore.h"
#include "cluster/task_codec.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/json_text.h"
#include "common/log.h"

namespace frocket::cluster {

namespace {

using Clock = std::chrono::steady_clock;

// Progress is reported when something changed, but not more often than this.
constexpr double kProgressInterval = 0.1;
// The longest the invoker blocks waiting for an event before re-checking its deadlines.
constexpr double kMaxWait = 0.5;
// Job keys outlive the run timeout by this much, in case the invoker dies before cleaning up.
constexpr int64_t kKeyGraceSeconds = 60;

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// What the invoker knows of one task.
struct TaskState {
  int attempts = 1;                      // attempts made so far (the latest is this number)
  std::map<int, std::string> status;     // attempt -> latest status seen
  std::string latest_status = "QUEUED";  // of the latest attempt
  Clock::time_point latest_change;       // when the latest attempt's status last changed
  bool done = false;
  std::string last_error;
};

bool Ended(const std::string& status) {
  return status == "ENDED_SUCCESS" || status == "ENDED_FAILED";
}

std::string StatusJson(const char* status) {
  return JsonText(nlohmann::json{{"status", status}, {"worker", ""}, {"time", NowSeconds()}});
}

std::string Seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f", s);
  return buf;
}

}  // namespace

Result<WorkQueueSettings> WorkQueueSettings::FromConfig() {
  WorkQueueSettings s;
  FROCKET_ASSIGN_OR_RETURN(s.run_timeout, Config::Double("FROCKET_INVOKER_RUN_TIMEOUT"));
  FROCKET_ASSIGN_OR_RETURN(int64_t poll_ms,
                           Config::Int("FROCKET_INVOKER_ASYNC_POLL_INTERVAL_MS", 1, 60000));
  s.poll_interval = static_cast<double>(poll_ms) / 1000;
  FROCKET_ASSIGN_OR_RETURN(int64_t attempts,
                           Config::Int("FROCKET_INVOKER_RETRY_MAX_ATTEMPTS", 1, 100));
  s.max_attempts = static_cast<int>(attempts);
  FROCKET_ASSIGN_OR_RETURN(s.retry_failed_interval,
                           Config::Double("FROCKET_INVOKER_RETRY_FAILED_INTERVAL"));
  FROCKET_ASSIGN_OR_RETURN(s.retry_lost_interval,
                           Config::Double("FROCKET_INVOKER_RETRY_LOST_INTERVAL"));
  FROCKET_ASSIGN_OR_RETURN(s.self_select, Config::Bool("FROCKET_WORKER_SELF_SELECT_ENABLED"));
  if (s.run_timeout <= 0 || s.retry_failed_interval < 0 || s.retry_lost_interval <= 0) {
    return Status::Invalid(
        "FROCKET_INVOKER_RUN_TIMEOUT and FROCKET_INVOKER_RETRY_LOST_INTERVAL must be positive, "
        "FROCKET_INVOKER_RETRY_FAILED_INTERVAL not negative");
  }
  return s;
}

Result<int64_t> CountLiveWorkers() {
  FROCKET_ASSIGN_OR_RETURN(auto endpoint, RedisEndpoint::FromConfig("DATASTORE"));
  FROCKET_ASSIGN_OR_RETURN(auto redis, RedisClient::Connect(endpoint));
  FROCKET_ASSIGN_OR_RETURN(
      auto live, redis->Run({"EVAL", kLiveWorkersScript, "1", WorkersKey(RedisKeyPrefix()),
                             std::to_string(kWorkerLiveSeconds)}));
  return live.integer;
}

Result<std::unique_ptr<WorkQueueInvoker>> WorkQueueInvoker::Create() {
  FROCKET_ASSIGN_OR_RETURN(auto settings, WorkQueueSettings::FromConfig());
  FROCKET_ASSIGN_OR_RETURN(auto endpoint, RedisEndpoint::FromConfig("DATASTORE"));
  FROCKET_ASSIGN_OR_RETURN(auto blobstore, Blobstore::Open());
  return std::unique_ptr<WorkQueueInvoker>(
      new WorkQueueInvoker(std::move(endpoint), RedisKeyPrefix(), settings, std::move(blobstore)));
}

WorkQueueInvoker::WorkQueueInvoker(RedisEndpoint endpoint, std::string prefix,
                                   WorkQueueSettings settings, std::unique_ptr<Blobstore> blobstore)
    : endpoint_(std::move(endpoint)),
      prefix_(std::move(prefix)),
      settings_(settings),
      blobstore_(std::move(blobstore)) {}

WorkQueueInvoker::~WorkQueueInvoker() = default;

std::string WorkQueueInvoker::Describe() const {
  return "work queue on " + endpoint_.Describe();
}

JobRun WorkQueueInvoker::RunQueries(const std::vector<QueryTaskRequest>& requests, double job_start,
                                    const ProgressCallback& progress,
                                    std::vector<QueryTaskResult>* results) {
  Job job;
  job.job_start = job_start;
  job.request_id = requests.empty() ? "" : requests[0].request_id;
  for (const QueryTaskRequest& r : requests) {
    job.messages.push_back(ToJson(r));
    if (settings_.self_select) {
      job.self_select_members.push_back(SelfSelectMember(r));
    }
  }
  std::vector<std::optional<nlohmann::json>> raw;
  JobRun run = RunJob(job, progress, &raw);
  results->assign(requests.size(), {});
  for (size_t i = 0; i < raw.size(); ++i) {
    if (!raw[i]) continue;
    auto r = QueryTaskResultFromJson(*raw[i]);
    if (r.ok()) {
      (*results)[i] = std::move(*r);
    } else {
      (*results)[i].status = r.status();
    }
  }
  if (run.status.ok()) {
    for (size_t i = 0; i < results->size(); ++i) {
      if (!(*results)[i].status.ok()) {
        run.status = (*results)[i].status.WithContext("task " + std::to_string(i));
        break;
      }
    }
  }
  return run;
}

JobRun WorkQueueInvoker::RunRegistrations(const std::vector<RegistrationTaskRequest>& requests,
                                          double job_start, const ProgressCallback& progress,
                                          std::vector<RegistrationTaskResult>* results) {
  Job job;
  job.job_start = job_start;
  job.request_id = requests.empty() ? "" : requests[0].request_id;
  for (const RegistrationTaskRequest& r : requests) job.messages.push_back(ToJson(r));
  std::vector<std::optional<nlohmann::json>> raw;
  JobRun run = RunJob(job, progress, &raw);
  results->assign(requests.size(), {});
  for (size_t i = 0; i < raw.size(); ++i) {
    if (!raw[i]) continue;
    RegistrationTaskResult& out = (*results)[i];
    std::string blob;
    auto r = RegistrationTaskResultFromJson(*raw[i], &blob);
    if (!r.ok()) {
      out.status = r.status();
      continue;
    }
    out = std::move(*r);
    if (!out.status.ok() || blob.empty()) continue;
    // The group ids came separately; collect them and drop the blob.
    auto ids = blobstore_->Read(blob);
    Status got = !ids.ok() ? ids.status()
                 : !*ids   ? Status::IOError("the group ids of " + requests[i].part_path +
                                             " expired before they were read (blob " + blob + ")")
                           : GroupIdsFromJson(**ids, requests[i].group_id_column, &out.inspection);
    if (!got.ok()) out.status = got;
    if (auto deleted = blobstore_->Delete(blob); !deleted.ok()) {
      log::Warning("invoker", "cannot delete blob " + blob + ": " + deleted.status().message());
    }
  }
  return run;
}

JobRun WorkQueueInvoker::RunJob(const Job& job, const ProgressCallback& progress,
                                std::vector<std::optional<nlohmann::json>>* results) {
  JobRun run;
  const size_t n = job.messages.size();
  results->assign(n, std::nullopt);
  if (n == 0) return run;
  const auto start = Clock::now();
  auto connected = RedisClient::Connect(endpoint_);
  if (!connected.ok()) {
    run.status = connected.status();
    return run;
  }
  RedisClient& redis = **connected;
  const JobKeys keys(prefix_, job.request_id);
  const std::string queue = TaskQueueKey(prefix_);
  const std::string ttl =
      std::to_string(static_cast<int64_t>(std::ceil(settings_.run_timeout)) + kKeyGraceSeconds);
  const bool self_select = !job.self_select_members.empty();

  auto message_for = [&](size_t i, int attempt, bool let_worker_select) {
    nlohmann::json m = job.messages[i];
    m["attempt"] = attempt;
    m["invokeTime"] = job.job_start;
    if (let_worker_select) {
      m["selfSelect"] = true;
      m["taskIndex"] = -1;
      m["partPath"] = "";
    }
    return JsonText(m);
  };

  // Enqueue: the tracking keys first, then the tasks, in one round trip.
  std::vector<RedisCommand> enqueue;
  enqueue.push_back({"SET", keys.alive, "1", "EX", ttl});
  RedisCommand attempts = {"HSET", keys.attempts};
  RedisCommand statuses = {"HSET", keys.status};
  const std::string queued = StatusJson("QUEUED");
  for (size_t i = 0; i < n; ++i) {
    attempts.push_back(std::to_string(i));
    attempts.push_back("1");
    statuses.push_back(AttemptId(i, 1));
    statuses.push_back(queued);
  }
  enqueue.push_back(std::move(attempts));
  enqueue.push_back(std::move(statuses));
  enqueue.push_back({"EXPIRE", keys.attempts, ttl});
  enqueue.push_back({"EXPIRE", keys.status, ttl});
  if (self_select) {
    RedisCommand members = {"SADD", keys.parts};
    members.insert(members.end(), job.self_select_members.begin(), job.self_select_members.end());
    enqueue.push_back(std::move(members));
    enqueue.push_back({"EXPIRE", keys.parts, ttl});
  }
  RedisCommand push = {"LPUSH", queue};
  for (size_t i = 0; i < n; ++i) push.push_back(message_for(i, 1, self_select));
  enqueue.push_back(std::move(push));

  std::vector<TaskState> tasks(n);
  for (TaskState& t : tasks) {
    t.status[1] = "QUEUED";
    t.latest_change = Clock::now();
  }
  auto cleanup = [&] {
    auto deleted = redis.Run(
        {"DEL", keys.alive, keys.attempts, keys.status, keys.results, keys.events, keys.parts});
    if (!deleted.ok()) log::Warning("invoker", "cleanup: " + deleted.status().message());
  };
  if (auto sent = redis.RunAll(enqueue); !sent.ok()) {
    run.status = sent.status().WithContext("enqueueing " + std::to_string(n) + " tasks");
    cleanup();
    return run;
  }
  run.times.enqueue_seconds = Since(start);
  log::Debug("invoker", "enqueued " + std::to_string(n) + " tasks of " + job.request_id);

  size_t done = 0;
  double last_report = -1;
  bool changed = true;
  auto report = [&](const char* stage, bool force) {
    if (!progress || (!force && (!changed || Since(start) - last_report < kProgressInterval))) {
      return;
    }
    Progress p;
    p.stage = stage;
    for (const TaskState& t : tasks) ++p.tasks[t.done ? "ENDED_SUCCESS" : t.latest_status];
    p.message = std::to_string(done) + "/" + std::to_string(n) + " tasks done";
    progress(p);
    last_report = Since(start);
    changed = false;
  };
  auto retry = [&](size_t i) -> Status {
    FROCKET_ASSIGN_OR_RETURN(auto counter,
                             redis.Run({"HINCRBY", keys.attempts, std::to_string(i), "1"}));
    const int attempt = static_cast<int>(counter.integer);
    FROCKET_ASSIGN_OR_RETURN(auto sent,
                             redis.RunAll({{"HSET", keys.status, AttemptId(i, attempt), queued},
                                           {"LPUSH", queue, message_for(i, attempt, false)}}));
    TaskState& t = tasks[i];
    t.attempts = attempt;
    t.status[attempt] = "QUEUED";
    t.latest_status = "QUEUED";
    t.latest_change = Clock::now();
    ++run.retried_tasks;
    changed = true;
    return Status::OK();
  };

  // A cluster without live workers fails within seconds instead of at the run timeout; a
  // worker starting meanwhile (within kWorkerLiveSeconds) is in time.
  std::optional<Clock::time_point> no_worker_since;
  double last_worker_check = -1;
  auto check_workers = [&]() -> Status {
    if (last_worker_check >= 0 && Since(start) - last_worker_check < 1) return Status::OK();
    last_worker_check = Since(start);
    auto live = redis.Run(
        {"EVAL", kLiveWorkersScript, "1", WorkersKey(prefix_), std::to_string(kWorkerLiveSeconds)});
    if (!live.ok()) return live.status().WithContext("checking for live workers");
    if (live->integer > 0) {
      no_worker_since.reset();
      return Status::OK();
    }
    if (!no_worker_since) no_worker_since = Clock::now();
    if (Since(*no_worker_since) < static_cast<double>(kWorkerLiveSeconds)) return Status::OK();
    return Status::IOError(
        "no live worker: no `frocket worker` has said it is alive in " + endpoint_.Describe() +
        " (key " + WorkersKey(prefix_) + ") for " + std::to_string(kWorkerLiveSeconds) +
        " s; start workers with FROCKET_DATASTORE=redis and this Redis in FROCKET_REDIS_HOST/"
        "PORT (and the same FROCKET_DATASTORE_REDIS_PREFIX)");
  };

  report("RUNNING", true);
  while (done < n) {
    if (Status live = check_workers(); !live.ok()) {
      run.status = live;
      break;
    }
    // Sleep until a worker reports or the next deadline (a retry due, the run timeout).
    double wait = std::min(kMaxWait, settings_.run_timeout - Since(start));
    for (const TaskState& t : tasks) {
      if (t.done) continue;
      const double since = std::chrono::duration<double>(Clock::now() - t.latest_change).count();
      const double due = t.latest_status == "ENDED_FAILED" ? settings_.retry_failed_interval
                                                           : settings_.retry_lost_interval;
      wait = std::min(wait, due - since);
    }
    wait = std::max(wait, settings_.poll_interval);
    char timeout[32];
    std::snprintf(timeout, sizeof(timeout), "%.3f", wait);
    auto popped = redis.RunBlocking({"BLPOP", keys.events, timeout}, wait);
    if (!popped.ok()) {
      run.status = popped.status().WithContext("waiting for task results");
      break;
    }
    std::vector<std::string> events;
    if (!popped->is_nil() && popped->elements.size() == 2) {
      events.push_back(popped->elements[1].str);
      auto rest = redis.Run({"LPOP", keys.events, "10000"});
      if (!rest.ok()) {
        run.status = rest.status().WithContext("reading task events");
        break;
      }
      for (const RedisReply& r : rest->elements) events.push_back(r.str);
    }
    if (!events.empty()) {
      std::sort(events.begin(), events.end());
      events.erase(std::unique(events.begin(), events.end()), events.end());
      RedisCommand get_status = {"HMGET", keys.status};
      RedisCommand get_results = {"HMGET", keys.results};
      get_status.insert(get_status.end(), events.begin(), events.end());
      get_results.insert(get_results.end(), events.begin(), events.end());
      auto replies = redis.RunAll({get_status, get_results});
      if (!replies.ok()) {
        run.status = replies.status().WithContext("reading task statuses");
        break;
      }
      for (size_t e = 0; e < events.size(); ++e) {
        size_t index = 0;
        int attempt = 0;
        if (std::sscanf(events[e].c_str(), "%zu/%d", &index, &attempt) != 2 || index >= n) {
          log::Warning("invoker", "ignoring a malformed task event '" + events[e] + "'");
          continue;
        }
        auto status = nlohmann::json::parse((*replies)[0].elements[e].str, nullptr, false);
        if (status.is_discarded() || !status.contains("status")) continue;
        const std::string s = status["status"].get<std::string>();
        TaskState& t = tasks[index];
        if (t.status[attempt] == s) continue;
        t.status[attempt] = s;
        changed = true;
        if (attempt == t.attempts) {
          t.latest_status = s;
          t.latest_change = Clock::now();
        }
        if (!Ended(s)) continue;
        auto result = nlohmann::json::parse((*replies)[1].elements[e].str, nullptr, false);
        if (s == "ENDED_FAILED") {
          ++run.failed_attempts;
          t.last_error = !result.is_discarded() && result.contains("error")
                             ? result["error"].get<std::string>()
                             : "the worker reported a failure without a result";
          log::Info("invoker", "task " + events[e] + " failed: " + t.last_error);
          continue;
        }
        if (t.done) {
          log::Debug("invoker", "task " + events[e] + " succeeded again; result ignored");
          continue;
        }
        if (result.is_discarded()) {
          t.last_error = "the worker reported success without a readable result";
          continue;
        }
        (*results)[index] = std::move(result);
        t.done = true;
        ++done;
      }
    }
    if (done == n) break;

    const double elapsed = Since(start);
    if (elapsed >= settings_.run_timeout) {
      std::map<std::string, int64_t> counts;
      for (const TaskState& t : tasks) {
        if (!t.done) ++counts[t.latest_status];
      }
      std::string detail;
      for (const auto& [s, c] : counts)
        detail += (detail.empty() ? "" : ", ") + std::to_string(c) + " " + s;
      std::string message = "timed out after " + Seconds(elapsed) +
                            " s (FROCKET_INVOKER_RUN_TIMEOUT): " + std::to_string(done) + " of " +
                            std::to_string(n) + " tasks done; unfinished: " + detail;
      if (counts.size() == 1 && counts.count("QUEUED") == 1) {
        // Queued tasks that are no longer in the queue nor tracked were removed from Redis
        // (evicted, or flushed): say so rather than blame the workers.
        auto left = redis.RunAll({{"EXISTS", keys.alive}, {"LLEN", queue}});
        const bool vanished =
            left.ok() && left->size() == 2 && ((*left)[0].integer == 0 || (*left)[1].integer == 0);
        if (vanished) {
          const std::string risk = EvictionRisk(redis);
          message += ". The job's tasks are no longer in " + endpoint_.Describe() +
                     " (removed or evicted: " +
                     (risk.empty() ? std::string("check its maxmemory-policy") : risk) + ")";
        } else {
          message += ". No worker took a task: are `frocket worker` processes running against " +
                     endpoint_.Describe() + "?";
        }
      }
      run.status = Status::IOError(message);
      break;
    }
    Status retried;
    for (size_t i = 0; i < n && retried.ok(); ++i) {
      TaskState& t = tasks[i];
      if (t.done) continue;
      const double since = std::chrono::duration<double>(Clock::now() - t.latest_change).count();
      if (t.latest_status == "ENDED_FAILED") {
        if (t.attempts >= settings_.max_attempts) {
          retried = Status::IOError(
              "part " + job.messages[i].value("partPath", std::string()) + " (task " +
              std::to_string(i) + ") failed " + std::to_string(t.attempts) +
              " attempts (FROCKET_INVOKER_RETRY_MAX_ATTEMPTS), the last with: " + t.last_error);
        } else if (since >= settings_.retry_failed_interval) {
          log::Info("invoker", "retrying failed task " + std::to_string(i));
          retried = retry(i);
        }
      } else if (since >= settings_.retry_lost_interval && t.attempts < settings_.max_attempts) {
        log::Info("invoker", "task " + std::to_string(i) + " attempt " +
                                 std::to_string(t.attempts) + " is lost (" + t.latest_status +
                                 " for " + Seconds(since) + " s); retrying");
        ++run.lost_tasks;
        retried = retry(i);
      }
    }
    if (!retried.ok()) {
      run.status = retried;
      break;
    }
    report("RUNNING", false);
  }
  cleanup();
  report("FINISHING", true);
  run.times.poll_seconds = Since(start) - run.times.enqueue_seconds;
  return run;
}

}  // namespace frocket::cluster
