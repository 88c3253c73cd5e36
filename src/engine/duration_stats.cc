#include "engine/duration_stats.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "common/json_fields.h"
#include "engine/wire_numbers.h"

namespace frocket::engine {

namespace {

constexpr int kMantissaBits = 6;
constexpr int kShift = 52 - kMantissaBits;

// The bucket of x > 0, normal: its exponent and first mantissa bits.
int32_t BucketOf(double x) {
  return static_cast<int32_t>(std::bit_cast<uint64_t>(x) >> kShift);
}

// The middle of a bucket's range.
double BucketValue(int32_t i) {
  const double lower = std::bit_cast<double>(static_cast<uint64_t>(i) << kShift);
  const double upper = std::bit_cast<double>(static_cast<uint64_t>(i + 1) << kShift);
  return lower + (upper - lower) / 2;
}

}  // namespace

void DurationStats::AddToBucket(int32_t index, int64_t n) {
  if (buckets_.empty()) {
    first_bucket_ = index;
    buckets_.assign(1, 0);
  } else if (index < first_bucket_) {
    buckets_.insert(buckets_.begin(), static_cast<size_t>(first_bucket_ - index), 0);
    first_bucket_ = index;
  } else if (static_cast<size_t>(index - first_bucket_) >= buckets_.size()) {
    buckets_.resize(static_cast<size_t>(index - first_bucket_) + 1, 0);
  }
  buckets_[static_cast<size_t>(index - first_bucket_)] += n;
}

void DurationStats::AddToSketch(double duration) {
  if (std::isnormal(duration) && duration > 0) {
    AddToBucket(BucketOf(duration), 1);
  } else {
    ++zeros_;
  }
}

void DurationStats::Add(int64_t duration) {
  if (count_ == 0 || duration < int_min_) int_min_ = duration;
  if (count_ == 0 || duration > int_max_) int_max_ = duration;
  int_sum_ += duration;
  ++count_;
  AddToSketch(static_cast<double>(duration));
}

void DurationStats::Add(double duration) {
  integer_ = false;
  if (count_ == 0 || duration < float_min_) float_min_ = duration;
  if (count_ == 0 || duration > float_max_) float_max_ = duration;
  float_sum_.Add(duration);
  ++count_;
  AddToSketch(duration);
}

Status DurationStats::Merge(const DurationStats& other) {
  if (other.count_ == 0) return Status::OK();
  if (count_ == 0) {
    *this = other;
    return Status::OK();
  }
  if (integer_ != other.integer_) {
    return Status::Invalid("internal error: integer and float durations merged");
  }
  int_min_ = std::min(int_min_, other.int_min_);
  int_max_ = std::max(int_max_, other.int_max_);
  int_sum_ += other.int_sum_;
  float_min_ = std::min(float_min_, other.float_min_);
  float_max_ = std::max(float_max_, other.float_max_);
  float_sum_.Add(other.float_sum_);
  count_ += other.count_;
  zeros_ += other.zeros_;
  for (size_t i = 0; i < other.buckets_.size(); ++i) {
    if (other.buckets_[i] != 0) {
      AddToBucket(other.first_bucket_ + static_cast<int32_t>(i), other.buckets_[i]);
    }
  }
  return Status::OK();
}

double DurationStats::Percentile(double p) const {
  const auto rank = static_cast<int64_t>(std::ceil(p * static_cast<double>(count_)));
  const double min = integer_ ? static_cast<double>(int_min_) : float_min_;
  const double max = integer_ ? static_cast<double>(int_max_) : float_max_;
  int64_t seen = zeros_;
  if (seen >= rank) return min;  // only durations <= 0 fall there, and the least is exact
  for (size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    // Within [min, max], the estimate is still within the relative error of the true value.
    if (seen >= rank) {
      return std::clamp(BucketValue(first_bucket_ + static_cast<int32_t>(i)), min, max);
    }
  }
  return max;
}

nlohmann::ordered_json DurationStats::ResponseJson() const {
  nlohmann::ordered_json j;
  j["count"] = count_;
  if (count_ == 0) return j;
  if (integer_) {
    j["mean"] = static_cast<double>(int_sum_) / static_cast<double>(count_);
    j["min"] = int_min_;
    j["max"] = int_max_;
  } else {
    j["mean"] = float_sum_.value() / static_cast<double>(count_);
    j["min"] = float_min_;
    j["max"] = float_max_;
  }
  j["p50"] = Percentile(0.5);
  j["p90"] = Percentile(0.9);
  j["p99"] = Percentile(0.99);
  j["approximate"] = true;  // the percentiles
  j["percentileRelativeError"] = kRelativeError;
  return j;
}

nlohmann::json DurationStats::ToWire() const {
  nlohmann::json buckets = nlohmann::json::array();
  for (size_t i = 0; i < buckets_.size(); ++i) {
    if (buckets_[i] != 0) buckets.push_back({first_bucket_ + static_cast<int32_t>(i), buckets_[i]});
  }
  return {{"count", count_},
          {"integer", integer_},
          {"intSum", WireInt128(int_sum_)},
          {"intMin", int_min_},
          {"intMax", int_max_},
          {"floatSum", {WireDouble(float_sum_.sum), WireDouble(float_sum_.compensation)}},
          {"floatMin", WireDouble(float_min_)},
          {"floatMax", WireDouble(float_max_)},
          {"zeros", zeros_},
          {"buckets", std::move(buckets)}};
}

Result<DurationStats> DurationStats::FromWire(const nlohmann::json& json) {
  JsonFields f(json);
  DurationStats d;
  d.count_ = f.Get<int64_t>("count");
  d.integer_ = f.Get<bool>("integer");
  const std::string int_sum = f.Get<std::string>("intSum");
  d.int_min_ = f.Get<int64_t>("intMin");
  d.int_max_ = f.Get<int64_t>("intMax");
  const nlohmann::json& float_sum = f.Raw("floatSum");
  const nlohmann::json& float_min = f.Raw("floatMin");
  const nlohmann::json& float_max = f.Raw("floatMax");
  d.zeros_ = f.Get<int64_t>("zeros");
  const nlohmann::json& buckets = f.Raw("buckets");
  if (!f.status().ok()) return Status::Invalid("malformed part result: " + f.status().message());
  if (!float_sum.is_array() || float_sum.size() != 2 || !buckets.is_array()) {
    return Status::Invalid("malformed part result: bad time to convert");
  }
  FROCKET_ASSIGN_OR_RETURN(d.int_sum_, ParseInt128(int_sum));
  FROCKET_ASSIGN_OR_RETURN(d.float_sum_.sum, ReadWireDouble(float_sum[0]));
  FROCKET_ASSIGN_OR_RETURN(d.float_sum_.compensation, ReadWireDouble(float_sum[1]));
  FROCKET_ASSIGN_OR_RETURN(d.float_min_, ReadWireDouble(float_min));
  FROCKET_ASSIGN_OR_RETURN(d.float_max_, ReadWireDouble(float_max));
  int64_t total = d.zeros_;
  for (const auto& b : buckets) {
    auto index = b.is_array() && b.size() == 2 ? JsonFields::As<int32_t>(b[0]) : std::nullopt;
    auto n = b.is_array() && b.size() == 2 ? JsonFields::As<int64_t>(b[1]) : std::nullopt;
    // A bucket is of a positive normal double: exponent field 1 to 2046.
    constexpr int32_t kFirst = 1 << kMantissaBits, kEnd = 2047 << kMantissaBits;
    if (!index || !n || *n <= 0 || *index < kFirst || *index >= kEnd) {
      return Status::Invalid("malformed part result: bad time-to-convert bucket");
    }
    if (__builtin_add_overflow(total, *n, &total)) {
      return Status::Invalid("malformed part result: time-to-convert counts overflow");
    }
    d.AddToBucket(*index, *n);
  }
  if (d.count_ < 0 || d.zeros_ < 0 || total != d.count_) {
    return Status::Invalid("malformed part result: time-to-convert counts do not add up");
  }
  return d;
}

}  // namespace frocket::engine
