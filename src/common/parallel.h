// ParallelFor: work(i) for every i in [0, n), on up to `threads` threads — the calling one
// among them — each taking the next index when it is done with one. Returns when all are done.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace frocket {

template <typename Work>
void ParallelFor(size_t n, size_t threads, Work work) {
  std::atomic<size_t> next{0};
  auto run = [&] {
    for (size_t i = next++; i < n; i = next++) work(i);
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < std::min(threads, n); ++t) pool.emplace_back(run);
  run();
  for (auto& t : pool) t.join();
}

}  // namespace frocket
