#include "cluster/async_invoker.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <optional>
#include <unordered_set>

#include "cluster/attempt_tracker.h"
#include "cluster/blobstore.h"
#include "cluster/job_keys.h"
#include "cluster/redis_datastore.h"
#include "cluster/task_codec.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/json_text.h"
#include "common/log.h"
#include "common/text.h"

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

}  // namespace

Result<AsyncSettings> AsyncSettings::FromConfig() {
  AsyncSettings s;
  FROCKET_ASSIGN_OR_RETURN(s.run_timeout, Config::Double("FROCKET_INVOKER_RUN_TIMEOUT"));
  FROCKET_ASSIGN_OR_RETURN(int64_t poll_ms,
                           Config::Int("FROCKET_INVOKER_ASYNC_POLL_INTERVAL_MS", 1, 60000));
  s.poll_interval = static_cast<double>(poll_ms) / 1000;
  FROCKET_ASSIGN_OR_RETURN(int64_t attempts,
                           Config::Int("FROCKET_INVOKER_RETRY_MAX_ATTEMPTS", 1, 100));
  s.retry.max_attempts = static_cast<int>(attempts);
  FROCKET_ASSIGN_OR_RETURN(s.retry.retry_failed_interval,
                           Config::Double("FROCKET_INVOKER_RETRY_FAILED_INTERVAL"));
  FROCKET_ASSIGN_OR_RETURN(s.retry.retry_lost_interval,
                           Config::Double("FROCKET_INVOKER_RETRY_LOST_INTERVAL"));
  FROCKET_ASSIGN_OR_RETURN(s.self_select, Config::Bool("FROCKET_WORKER_SELF_SELECT_ENABLED"));
  if (s.run_timeout <= 0 || s.retry.retry_failed_interval < 0 || s.retry.retry_lost_interval <= 0) {
    return Status::Invalid(
        "FROCKET_INVOKER_RUN_TIMEOUT and FROCKET_INVOKER_RETRY_LOST_INTERVAL must be positive, "
        "FROCKET_INVOKER_RETRY_FAILED_INTERVAL not negative");
  }
  return s;
}

Result<std::unique_ptr<AsyncInvoker>> AsyncInvoker::Create(std::unique_ptr<TaskLauncher> launcher) {
  FROCKET_ASSIGN_OR_RETURN(auto settings, AsyncSettings::FromConfig());
  FROCKET_ASSIGN_OR_RETURN(auto endpoint, RedisEndpoint::FromConfig("DATASTORE"));
  FROCKET_ASSIGN_OR_RETURN(auto blobstore, Blobstore::Open());
  return std::unique_ptr<AsyncInvoker>(new AsyncInvoker(
      std::move(endpoint), RedisKeyPrefix(), settings, std::move(blobstore), std::move(launcher)));
}

AsyncInvoker::AsyncInvoker(RedisEndpoint endpoint, std::string prefix, AsyncSettings settings,
                           std::unique_ptr<Blobstore> blobstore,
                           std::unique_ptr<TaskLauncher> launcher)
    : endpoint_(std::move(endpoint)),
      prefix_(std::move(prefix)),
      settings_(settings),
      blobstore_(std::move(blobstore)),
      launcher_(std::move(launcher)) {}

AsyncInvoker::~AsyncInvoker() = default;

std::string AsyncInvoker::Describe() const {
  return launcher_->Describe() + " on " + endpoint_.Describe();
}

double BilledGbSeconds(const TaskMetrics& metrics) {
  return static_cast<double>(metrics.billed_ms) / 1000 * static_cast<double>(metrics.memory_mb) /
         1024;
}

JobRun AsyncInvoker::RunQueries(const std::vector<QueryTaskRequest>& requests, double job_start,
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
      TaskMetrics& m = (*results)[i].metrics;
      m.cost_dollars = launcher_->Cost(1, BilledGbSeconds(m)).value_or(0);
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

JobRun AsyncInvoker::RunRegistrations(const std::vector<RegistrationTaskRequest>& requests,
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
    out.metrics.cost_dollars = launcher_->Cost(1, BilledGbSeconds(out.metrics)).value_or(0);
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

// One job's run: the Redis side of the protocol (job_keys.h), with an
// AttemptTracker deciding what the reported statuses mean.
class AsyncInvoker::TrackedRun {
 public:
  TrackedRun(const AsyncInvoker& invoker, const Job& job, RedisClient& redis,
             const ProgressCallback& progress)
      : invoker_(invoker),
        job_(job),
        redis_(redis),
        progress_(progress),
        keys_(invoker.prefix_, job.request_id),
        tracker_(job.messages.size(), invoker.settings_.retry),
        start_(Clock::now()) {
    for (const nlohmann::json& m : job.messages) {
      part_paths_.push_back(m.value("partPath", std::string()));
    }
  }

  JobRun Run(std::vector<std::optional<nlohmann::json>>* results) {
    JobRun run;
    run.status = Enqueue();
    run.times.enqueue_seconds = Since(start_);
    if (run.status.ok()) {
      log::Debug("invoker",
                 "enqueued " + std::to_string(tracker_.size()) + " tasks of " + job_.request_id);
      Report("RUNNING", true);
      run.status = Track(results, &run);
    }
    auto deleted = redis_.Run({"DEL", keys_.alive, keys_.attempts, keys_.status, keys_.results,
                               keys_.events, keys_.parts});
    if (!deleted.ok()) log::Warning("invoker", "cleanup: " + deleted.status().message());
    Report("FINISHING", true);
    run.failed_attempts = tracker_.failed_attempts();
    run.launched = launched_;
    run.cost_dollars = invoker_.launcher_->Cost(launched_, billed_gb_seconds_);
    run.times.poll_seconds = Since(start_) - run.times.enqueue_seconds;
    return run;
  }

 private:
  const AsyncSettings& settings() const { return invoker_.settings_; }

  std::string Message(size_t i, int attempt, bool let_worker_select) const {
    nlohmann::json m = job_.messages[i];
    m["attempt"] = attempt;
    m["invokeTime"] = job_.job_start;
    if (let_worker_select) {
      m["selfSelect"] = true;
      m["taskIndex"] = -1;
      m["partPath"] = "";
    }
    return JsonText(m);
  }

  // The tracking keys first, then the tasks.
  Status Enqueue() {
    const size_t n = tracker_.size();
    const std::string ttl =
        std::to_string(static_cast<int64_t>(std::ceil(settings().run_timeout)) + kKeyGraceSeconds);
    const bool self_select = !job_.self_select_members.empty();
    std::vector<RedisCommand> enqueue;
    enqueue.push_back({"SET", keys_.alive, "1", "EX", ttl});
    RedisCommand attempts = {"HSET", keys_.attempts};
    RedisCommand statuses = {"HSET", keys_.status};
    for (size_t i = 0; i < n; ++i) {
      attempts.insert(attempts.end(), {std::to_string(i), "1"});
      statuses.insert(statuses.end(), {AttemptId(i, 1), QueuedJson()});
    }
    enqueue.push_back(std::move(attempts));
    enqueue.push_back(std::move(statuses));
    enqueue.push_back({"EXPIRE", keys_.attempts, ttl});
    enqueue.push_back({"EXPIRE", keys_.status, ttl});
    if (self_select) {
      RedisCommand members = {"SADD", keys_.parts};
      members.insert(members.end(), job_.self_select_members.begin(),
                     job_.self_select_members.end());
      enqueue.push_back(std::move(members));
      enqueue.push_back({"EXPIRE", keys_.parts, ttl});
    }
    auto tracked = redis_.RunAll(enqueue);
    if (!tracked.ok()) {
      return tracked.status().WithContext("tracking " + std::to_string(n) + " tasks");
    }
    std::vector<std::string> messages;
    messages.reserve(n);
    for (size_t i = 0; i < n; ++i) messages.push_back(Message(i, 1, self_select));
    return Launch(messages).WithContext("launching " + std::to_string(n) + " tasks");
  }

  static std::string QueuedJson() {
    return JsonText(nlohmann::json{
        {"status", TaskStatusName(TaskStatus::kQueued)}, {"worker", ""}, {"time", NowSeconds()}});
  }

  // Until every task is done, the run timeout, or a failure.
  Status Track(std::vector<std::optional<nlohmann::json>>* results, JobRun* run) {
    while (!tracker_.all_done()) {
      FROCKET_RETURN_IF_ERROR(CheckWorkers());
      // Sleep until a worker reports or the next deadline (a retry due, the run timeout).
      const double wait = std::max(
          std::min({kMaxWait, settings().run_timeout - Since(start_), tracker_.SecondsToNextDue()}),
          settings().poll_interval);
      FROCKET_ASSIGN_OR_RETURN(std::vector<std::string> events, PopEvents(wait));
      FROCKET_RETURN_IF_ERROR(ReadEvents(events, results));
      if (tracker_.all_done()) break;
      if (Since(start_) >= settings().run_timeout) return TimedOut();
      FROCKET_ASSIGN_OR_RETURN(AttemptTracker::Due due, tracker_.DueRetries(part_paths_));
      run->lost_tasks += due.lost;
      FROCKET_RETURN_IF_ERROR(Retry(due.retry));
      run->retried_tasks += static_cast<int64_t>(due.retry.size());
      Report("RUNNING", false);
    }
    return Status::OK();
  }

  // The events workers pushed (attempt ids whose status changed), waiting up to `wait` s.
  Result<std::vector<std::string>> PopEvents(double wait) {
    char timeout[32];
    std::snprintf(timeout, sizeof(timeout), "%.3f", wait);
    auto popped = redis_.RunBlocking({"BLPOP", keys_.events, timeout}, wait);
    if (!popped.ok()) return popped.status().WithContext("waiting for task results");
    std::vector<std::string> events;
    if (popped->is_nil() || popped->elements.size() != 2) return events;
    events.push_back(popped->elements[1].str);
    auto rest = redis_.Run({"LPOP", keys_.events, "10000"});
    if (!rest.ok()) return rest.status().WithContext("reading task events");
    for (const RedisReply& r : rest->elements) events.push_back(r.str);
    std::sort(events.begin(), events.end());
    events.erase(std::unique(events.begin(), events.end()), events.end());
    return events;
  }

  // The statuses and results of the attempts named, fed to the tracker.
  Status ReadEvents(const std::vector<std::string>& events,
                    std::vector<std::optional<nlohmann::json>>* results) {
    if (events.empty()) return Status::OK();
    RedisCommand get_status = {"HMGET", keys_.status};
    RedisCommand get_results = {"HMGET", keys_.results};
    get_status.insert(get_status.end(), events.begin(), events.end());
    get_results.insert(get_results.end(), events.begin(), events.end());
    auto replies = redis_.RunAll({get_status, get_results});
    if (!replies.ok()) return replies.status().WithContext("reading task statuses");
    for (size_t e = 0; e < events.size(); ++e) {
      size_t index = 0;
      int attempt = 0;
      if (std::sscanf(events[e].c_str(), "%zu/%d", &index, &attempt) != 2 ||
          index >= tracker_.size()) {
        log::Warning("invoker", "ignoring a malformed task event '" + events[e] + "'");
        continue;
      }
      auto status = nlohmann::json::parse((*replies)[0].elements[e].str, nullptr, false);
      if (status.is_discarded() || !status.contains("status") || !status["status"].is_string()) {
        continue;
      }
      auto s = TaskStatusFromName(status["status"].get<std::string>());
      if (!s) continue;
      std::optional<nlohmann::json> result;
      if (*s == TaskStatus::kEndedSuccess || *s == TaskStatus::kEndedFailed) {
        auto parsed = nlohmann::json::parse((*replies)[1].elements[e].str, nullptr, false);
        if (!parsed.is_discarded()) {
          // Every ended attempt was paid for, whether its result is used or not (once: an
          // attempt's end can be read again through its earlier events).
          if (parsed.is_object() && parsed.contains("metrics") &&
              billed_.insert(events[e]).second) {
            if (auto m = TaskMetricsFromJson(parsed["metrics"]); m.ok()) {
              billed_gb_seconds_ += BilledGbSeconds(*m);
            }
          }
          result = std::move(parsed);
        }
      }
      if (auto used = tracker_.Observe(index, attempt, *s, std::move(result))) {
        (*results)[index] = std::move(*used);
      }
    }
    return Status::OK();
  }

  // New attempts of tasks `retry`, launched together.
  Status Retry(const std::vector<size_t>& retry) {
    if (retry.empty()) return Status::OK();
    std::vector<std::string> messages;
    for (size_t i : retry) {
      FROCKET_ASSIGN_OR_RETURN(auto counter,
                               redis_.Run({"HINCRBY", keys_.attempts, std::to_string(i), "1"}));
      const int attempt = static_cast<int>(counter.integer);
      FROCKET_RETURN_IF_ERROR(
          redis_.Run({"HSET", keys_.status, AttemptId(i, attempt), QueuedJson()}).status());
      messages.push_back(Message(i, attempt, false));
      tracker_.Retried(i, attempt);
    }
    return Launch(messages).WithContext("launching retries of " + std::to_string(retry.size()) +
                                        " tasks");
  }

  // Launches messages, counting those that left (each costs on Lambda).
  Status Launch(const std::vector<std::string>& messages) {
    int64_t sent = 0;
    Status launched = invoker_.launcher_->Launch(redis_, messages, &sent);
    launched_ += sent;
    return launched;
  }

  // Whether anyone can run the tasks, asked of the launcher about once a second.
  Status CheckWorkers() {
    if (last_worker_check_ >= 0 && Since(start_) - last_worker_check_ < 1) return Status::OK();
    last_worker_check_ = Since(start_);
    return invoker_.launcher_->CheckRunners(redis_, &runner_watch_);
  }

  // The run timeout's error: what was left unfinished, and, when no task was even taken, why.
  Status TimedOut() {
    std::string message = "timed out after " + text::Fixed(Since(start_), 2) +
                          " s (FROCKET_INVOKER_RUN_TIMEOUT): " + std::to_string(tracker_.done()) +
                          " of " + std::to_string(tracker_.size()) +
                          " tasks done; unfinished: " + tracker_.UnfinishedSummary();
    if (tracker_.AllUnfinishedQueued()) {
      message += ". " + invoker_.launcher_->WhyNoneTaken(redis_, keys_);
    }
    return Status::IOError(message);
  }

  // Progress when something changed, at most every kProgressInterval (unless forced).
  void Report(const char* stage, bool force) {
    if (!progress_) return;
    if (!force && Since(start_) - last_report_ < kProgressInterval) return;
    if (!tracker_.TakeChanged() && !force) return;
    Progress p;
    p.stage = stage;
    p.tasks = tracker_.Counts();
    p.message =
        std::to_string(tracker_.done()) + "/" + std::to_string(tracker_.size()) + " tasks done";
    progress_(p);
    last_report_ = Since(start_);
  }

  const AsyncInvoker& invoker_;
  const Job& job_;
  RedisClient& redis_;
  const ProgressCallback& progress_;
  const JobKeys keys_;
  std::vector<std::string> part_paths_;
  AttemptTracker tracker_;
  const Clock::time_point start_;
  double last_report_ = -1;
  double last_worker_check_ = -1;
  RunnerWatch runner_watch_;
  int64_t launched_ = 0;
  double billed_gb_seconds_ = 0;
  std::unordered_set<std::string> billed_;  // attempt ids
};

JobRun AsyncInvoker::RunJob(const Job& job, const ProgressCallback& progress,
                            std::vector<std::optional<nlohmann::json>>* results) {
  results->assign(job.messages.size(), std::nullopt);
  if (job.messages.empty()) return {};
  auto connected = RedisClient::Connect(endpoint_);
  if (!connected.ok()) {
    JobRun run;
    run.status = connected.status();
    return run;
  }
  return TrackedRun(*this, job, **connected, progress).Run(results);
}

}  // namespace frocket::cluster
