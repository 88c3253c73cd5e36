#include "cluster/local_invoker.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "common/deadline.h"

namespace frocket::cluster {

namespace {
// Progress is reported when something changed, but not more often than this.
constexpr auto kProgressInterval = std::chrono::milliseconds(100);
}  // namespace

InvokerTimes LocalInvoker::Run(size_t count, int threads,
                               const std::function<void(size_t, const StatusCallback&)>& task,
                               const ProgressCallback& progress) {
  using Clock = std::chrono::steady_clock;
  InvokerTimes times;
  const auto start = Clock::now();
  std::vector<std::atomic<int>> statuses(count);
  for (auto& s : statuses) s = static_cast<int>(TaskStatus::kQueued);
  std::atomic<size_t> next{0};
  std::atomic<size_t> ended{0};
  std::mutex mutex;
  std::condition_variable changed;
  bool dirty = true;

  auto work = [&] {
    for (size_t i = next++; i < count; i = next++) {
      task(i, [&, i](TaskStatus status) {
        statuses[i] = static_cast<int>(status);
        if (status == TaskStatus::kEndedSuccess || status == TaskStatus::kEndedFailed) ++ended;
        std::lock_guard<std::mutex> lock(mutex);
        dirty = true;
        changed.notify_one();
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
    for (auto& s : statuses) ++p.tasks[TaskStatusName(static_cast<TaskStatus>(s.load()))];
    size_t done = ended.load();
    p.message = std::to_string(done) + "/" + std::to_string(count) + " tasks done";
    progress(p);
  };
  report("RUNNING");
  auto last_report = Clock::now();
  while (true) {
    std::unique_lock<std::mutex> lock(mutex);
    changed.wait_for(lock, kProgressInterval, [&] { return ended.load() == count; });
    const bool all_done = ended.load() == count;
    const bool due = dirty && Clock::now() - last_report >= kProgressInterval;
    if (due || all_done) {
      dirty = false;
      lock.unlock();
      if (!all_done) report("RUNNING");
      last_report = Clock::now();
    }
    if (all_done) break;
  }
  for (auto& t : pool) t.join();
  report("FINISHING");
  times.poll_seconds = std::chrono::duration<double>(Clock::now() - enqueued).count();
  return times;
}

template <typename Request, typename TaskResult>
JobRun LocalInvoker::RunJob(
    const std::vector<Request>& requests, const ProgressCallback& progress,
    std::vector<TaskResult>* results,
    const std::function<TaskResult(const Request&, const StatusCallback&)>& run_task) {
  results->assign(requests.size(), {});
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(run_timeout_));
  const bool remote = std::any_of(requests.begin(), requests.end(), [](const Request& r) {
    return r.part_path.rfind("s3://", 0) == 0;
  });
  JobRun run;
  run.times = Run(
      requests.size(), remote ? remote_threads_ : threads_,
      [&](size_t i, const StatusCallback& status) {
        TaskResult& result = (*results)[i];
        if (std::chrono::steady_clock::now() >= deadline) {
          result.error = "timed out after " + std::to_string(static_cast<int64_t>(run_timeout_)) +
                         " s (FROCKET_INVOKER_RUN_TIMEOUT) before the task started";
          status(TaskStatus::kEndedFailed);
          return;
        }
        Deadline::Scope scope(deadline);
        result = run_task(requests[i], status);
      },
      progress);
  for (const auto& r : *results) run.failed_attempts += r.success ? 0 : 1;
  return run;
}

JobRun LocalInvoker::RunQueries(const std::vector<QueryTaskRequest>& requests, double job_start,
                                const ProgressCallback& progress,
                                std::vector<QueryTaskResult>* results) {
  return RunJob<QueryTaskRequest, QueryTaskResult>(
      requests, progress, results, [&](const QueryTaskRequest& r, const StatusCallback& status) {
        return worker_.RunQuery(r, job_start, status);
      });
}

JobRun LocalInvoker::RunRegistrations(const std::vector<RegistrationTaskRequest>& requests,
                                      double job_start, const ProgressCallback& progress,
                                      std::vector<RegistrationTaskResult>* results) {
  return RunJob<RegistrationTaskRequest, RegistrationTaskResult>(
      requests, progress, results,
      [&](const RegistrationTaskRequest& r, const StatusCallback& status) {
        return worker_.RunRegistration(r, job_start, status);
      });
}

void LocalInvoker::ForgetDataset(const std::string& name) {
  worker_.cache().Invalidate(DatasetCachePrefix(name));
}

}  // namespace frocket::cluster
