#include "cluster/local_invoker.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "common/config.h"
#include "common/deadline.h"
#include "common/log.h"

namespace frocket::cluster {

namespace {

using Clock = std::chrono::steady_clock;

// Progress is reported when something changed, but not more often than this.
constexpr auto kProgressInterval = std::chrono::milliseconds(100);
// Past the job's deadline, tasks still running get this long to end (remote reads give up at
// the deadline by themselves) before they are abandoned.
constexpr auto kAbandonGrace = std::chrono::seconds(1);

// What the pool's threads share with Run: held by the threads too, so that threads left
// running when a job is abandoned at its deadline find nothing freed under them.
struct PoolState {
  explicit PoolState(size_t count, std::function<void(size_t, const StatusCallback&)> task)
      : statuses(count), task(std::move(task)) {
    for (auto& s : statuses) s = static_cast<int>(TaskStatus::kQueued);
  }
  std::vector<std::atomic<int>> statuses;
  std::function<void(size_t, const StatusCallback&)> task;
  std::atomic<size_t> next{0};
  std::atomic<size_t> ended{0};
  std::mutex mutex;
  std::condition_variable changed;
  bool dirty = true;
};

// One job's requests and results, shared in the same way: an abandoned task still running
// writes its result here, never into the caller's vector.
template <typename Request, typename TaskResult>
struct JobSlots {
  std::vector<Request> requests;
  std::vector<TaskResult> results;
  std::vector<std::atomic<bool>> stored;  // results[i] is final (written before the flag)
  std::function<TaskResult(const Request&, const StatusCallback&)> run_task;
  std::vector<InjectedFault> faults;
  Clock::time_point deadline;
  double run_timeout = 0;
};

}  // namespace

LocalInvoker::LocalInvoker(int threads, int remote_threads, std::shared_ptr<TaskRunner> runner,
                           double run_timeout_seconds)
    : threads_(threads < 1 ? 1 : threads),
      remote_threads_(remote_threads < 1 ? 1 : remote_threads),
      run_timeout_(run_timeout_seconds),
      runner_(std::move(runner)) {
  auto faults = ParseInjectedFaults(Config::Get("FROCKET_WORKER_FAULT_INJECTION"));
  if (faults.ok()) {
    faults_ = std::move(*faults);
  } else {
    log::Warning("invoker", faults.status().message());
  }
}

InvokerTimes LocalInvoker::Run(size_t count, int threads,
                               std::function<void(size_t, const StatusCallback&)> task,
                               const ProgressCallback& progress, Clock::time_point deadline) {
  InvokerTimes times;
  const auto start = Clock::now();
  auto state = std::make_shared<PoolState>(count, std::move(task));

  auto work = [state, count] {
    for (size_t i = state->next++; i < count; i = state->next++) {
      PoolState* s = state.get();
      s->task(i, [s, i](TaskStatus status) {
        s->statuses[i] = static_cast<int>(status);
        if (status == TaskStatus::kEndedSuccess || status == TaskStatus::kEndedFailed) ++s->ended;
        std::lock_guard<std::mutex> lock(s->mutex);
        s->dirty = true;
        s->changed.notify_one();
      });
    }
  };
  const size_t pool_size = std::min<size_t>(static_cast<size_t>(threads), count);
  std::vector<std::thread> pool;
  pool.reserve(pool_size);
  for (size_t t = 0; t < pool_size; ++t) pool.emplace_back(work);
  const auto enqueued = Clock::now();
  times.enqueue_seconds = std::chrono::duration<double>(enqueued - start).count();

  auto report = [&](const char* stage) {
    if (!progress) return;
    Progress p;
    p.stage = stage;
    for (auto& s : state->statuses) ++p.tasks[TaskStatusName(static_cast<TaskStatus>(s.load()))];
    p.message = std::to_string(state->ended.load()) + "/" + std::to_string(count) + " tasks done";
    progress(p);
  };
  report("RUNNING");
  auto last_report = Clock::now();
  bool abandoned = false;
  while (true) {
    std::unique_lock<std::mutex> lock(state->mutex);
    state->changed.wait_for(lock, kProgressInterval, [&] { return state->ended.load() == count; });
    const bool all_done = state->ended.load() == count;
    const bool due = state->dirty && Clock::now() - last_report >= kProgressInterval;
    if (due || all_done) {
      state->dirty = false;
      lock.unlock();
      if (!all_done) report("RUNNING");
      last_report = Clock::now();
    }
    if (all_done) break;
    if (Clock::now() >= deadline + kAbandonGrace) {
      abandoned = true;
      break;
    }
  }
  for (auto& t : pool) {
    // A thread stuck in a task (a read that never returns) is left to finish on its own; it
    // holds everything it uses.
    if (abandoned) {
      t.detach();
    } else {
      t.join();
    }
  }
  report("FINISHING");
  times.poll_seconds = std::chrono::duration<double>(Clock::now() - enqueued).count();
  return times;
}

template <typename Request, typename TaskResult>
JobRun LocalInvoker::RunJob(
    const std::vector<Request>& requests, const ProgressCallback& progress,
    std::vector<TaskResult>* results,
    std::function<TaskResult(const Request&, const StatusCallback&)> run_task) {
  auto slots = std::make_shared<JobSlots<Request, TaskResult>>();
  slots->requests = requests;
  slots->results.resize(requests.size());
  slots->stored = std::vector<std::atomic<bool>>(requests.size());
  slots->run_task = std::move(run_task);
  slots->faults = faults_;
  slots->run_timeout = run_timeout_;
  slots->deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                       std::chrono::duration<double>(run_timeout_));
  const bool remote = std::any_of(requests.begin(), requests.end(), [](const Request& r) {
    return r.part_path.rfind("s3://", 0) == 0;
  });
  JobRun run;
  run.times = Run(
      requests.size(), remote ? remote_threads_ : threads_,
      [slots](size_t i, const StatusCallback& status) {
        TaskResult result;
        if (Clock::now() >= slots->deadline) {
          result.status = Status::IOError(
              "timed out after " + std::to_string(static_cast<int64_t>(slots->run_timeout)) +
              " s (FROCKET_INVOKER_RUN_TIMEOUT) before the task started");
          status(TaskStatus::kEndedFailed);
        } else {
          // The embedded mode's only attempt is attempt 1.
          if (const InjectedFault* f = FindFault(slots->faults, slots->requests[i].part_path, 1)) {
            status(TaskStatus::kLoadingData);
            std::this_thread::sleep_for(std::chrono::milliseconds(f->sleep_ms));
          }
          Deadline::Scope scope(slots->deadline);
          result = slots->run_task(slots->requests[i], status);
        }
        slots->results[i] = std::move(result);
        slots->stored[i].store(true, std::memory_order_release);
      },
      progress, slots->deadline);
  results->assign(requests.size(), {});
  for (size_t i = 0; i < requests.size(); ++i) {
    if (slots->stored[i].load(std::memory_order_acquire)) {
      (*results)[i] = slots->results[i];
    } else {
      (*results)[i].status =
          Status::IOError(requests[i].part_path + ": still running " +
                          std::to_string(static_cast<int64_t>(run_timeout_)) +
                          " s after the job started (FROCKET_INVOKER_RUN_TIMEOUT); abandoned");
    }
    run.failed_attempts += (*results)[i].status.ok() ? 0 : 1;
  }
  return run;
}

JobRun LocalInvoker::RunQueries(const std::vector<QueryTaskRequest>& requests, double job_start,
                                const ProgressCallback& progress,
                                std::vector<QueryTaskResult>* results) {
  return RunJob<QueryTaskRequest, QueryTaskResult>(
      requests, progress, results,
      [runner = runner_, job_start](const QueryTaskRequest& r, const StatusCallback& status) {
        return runner->RunQuery(r, job_start, status);
      });
}

JobRun LocalInvoker::RunRegistrations(const std::vector<RegistrationTaskRequest>& requests,
                                      double job_start, const ProgressCallback& progress,
                                      std::vector<RegistrationTaskResult>* results) {
  return RunJob<RegistrationTaskRequest, RegistrationTaskResult>(
      requests, progress, results,
      [runner = runner_, job_start](const RegistrationTaskRequest& r,
                                    const StatusCallback& status) {
        return runner->RunRegistration(r, job_start, status);
      });
}

void LocalInvoker::ForgetDataset(const std::string& name) {
  runner_->cache().Invalidate(DatasetCachePrefix(name));
}

}  // namespace frocket::cluster
