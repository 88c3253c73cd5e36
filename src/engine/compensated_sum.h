// CompensatedSum: a sum of doubles with Neumaier's compensation, so that adding many values
// of mixed magnitude (1e16 + 1 - 1e16) loses nothing the result can hold: the result is the
// correctly-rounded sum unless the values cancel out heavily. Sums of parts merge as well.
#pragma once

#include <cmath>

namespace frocket::engine {

struct CompensatedSum {
  double sum = 0;
  double compensation = 0;  // what the rounding of `sum` lost so far

  void Add(double x) {
    const double t = sum + x;
    // Once the sum is infinite or NaN there is nothing to compensate (and inf - inf is NaN).
    if (std::isfinite(t)) {
      compensation += std::fabs(sum) >= std::fabs(x) ? (sum - t) + x : (x - t) + sum;
    }
    sum = t;
  }
  void Add(const CompensatedSum& other) {
    Add(other.sum);
    Add(other.compensation);
  }
  double value() const { return std::isfinite(sum) ? sum + compensation : sum; }
};

}  // namespace frocket::engine
