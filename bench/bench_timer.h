// Repeats a measured function and reports the minimum and median wall time: the machine is
// shared and noisy, so the minimum says what the code can do and the median what to expect.
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>
#include <vector>

namespace frocket::bench {

struct Timing {
  double min_s = 0;
  double median_s = 0;
};

inline Timing Repeat(int repetitions, const std::function<void()>& fn) {
  std::vector<double> seconds;
  for (int i = 0; i < repetitions; ++i) {
    auto start = std::chrono::steady_clock::now();
    fn();
    seconds.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(seconds.begin(), seconds.end());
  return {seconds.front(), seconds[seconds.size() / 2]};
}

}  // namespace frocket::bench
