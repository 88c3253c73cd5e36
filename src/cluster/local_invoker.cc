#include "cluster/local_invoker.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace frocket::cluster {

namespace {
// Progress is reported when something changed, but not more often than this.
constexpr auto kProgressInterval = std::chrono::milliseconds(100);
}  // namespace

InvokerTimes LocalInvoker::Run(size_t count,
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
  const size_t pool_size = std::min<size_t>(static_cast<size_t>(threads_), count);
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

}  // namespace frocket::cluster
