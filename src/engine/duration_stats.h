// DurationStats: the distribution of times to convert (DESIGN.md §3b) — durations in the
// timestamp column's unit, mergeable exactly across parts.
//
// count, sum, min and max are exact (integer durations sum in 128 bits). Percentiles come from
// a log-linear sketch: a duration x > 0 falls in the bucket of its binary exponent and the
// first 6 bits of its mantissa — [2^e (1 + i/64), 2^e (1 + (i+1)/64)) — read straight from the
// bits of the double, and a bucket answers its midpoint, within 2^-7 (under 1%) of every value
// in it. Buckets merge by adding counts, so the merged sketch is the one that all values
// together would give, whatever the parts.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "common/status.h"
#include "engine/compensated_sum.h"

namespace frocket::engine {

class DurationStats {
 public:
  static constexpr double kRelativeError = 0.01;  // stated; the buckets' bound is 2^-7

  // Integer durations (INT timestamp columns) or not (FLOAT ones); all values of one
  // DurationStats are of one kind.
  void Add(int64_t duration);
  void Add(double duration);
  Status Merge(const DurationStats& other);

  int64_t count() const { return count_; }
  // The nearest-rank percentile (the value of rank ceil(p * count)), within kRelativeError.
  // REQUIRES: count() > 0, 0 < p <= 1.
  double Percentile(double p) const;

  // {"count", "mean", "min", "max", "p50", "p90", "p99", "approximate": true,
  //  "percentileRelativeError"}; integers stay integers.
  nlohmann::ordered_json ResponseJson() const;
  // Lossless, for moving between processes.
  nlohmann::json ToWire() const;
  static Result<DurationStats> FromWire(const nlohmann::json& json);

 private:
  void AddToSketch(double duration);
  void AddToBucket(int32_t index, int64_t n);

  int64_t count_ = 0;
  bool integer_ = true;
  __int128 int_sum_ = 0;
  int64_t int_min_ = 0, int_max_ = 0;
  CompensatedSum float_sum_;
  double float_min_ = 0, float_max_ = 0;
  int64_t zeros_ = 0;  // durations <= 0 or subnormal (only possible with FLOAT timestamps)
  // Counts of buckets first_bucket_ .. first_bucket_ + size - 1 (a bucket: the top 18 bits of
  // the double, exponent and 6 bits of mantissa).
  int32_t first_bucket_ = 0;
  std::vector<int64_t> buckets_;
};

}  // namespace frocket::engine
