#include "engine/bucketed_aggregation.h"

#include <bit>

#include "engine/compensated_sum.h"

namespace frocket::engine {

namespace {

using query::AggregationType;
using table::Column;

// Up to this many 64-bit words (8 MiB), groupsPerValue keeps a bit set of values per group.
constexpr size_t kGroupValueBitsLimit = size_t{1} << 20;

// One aggregation accumulated per bucket and per value code; arrays have values + 1 slots per
// bucket, the last taking nulls.
struct BucketedAggregation {
  const query::Aggregation* spec = nullptr;
  int32_t values = 0;
  size_t stride = 0;
  const table::ValueCodes* codes = nullptr;
  bool integer_sums = false;
  std::vector<int64_t> count;  // kCount, per bucket
  std::vector<int64_t> rows;   // per bucket and value
  std::vector<int64_t> n;
  std::vector<__int128> int_sums;
  std::vector<CompensatedSum> float_sums;
};

// The accumulation of one aggregation over the rows of bucketed groups.
class Accumulator {
 public:
  Accumulator(const PartScan& scan, const std::vector<uint8_t>& bucket)
      : scan_(scan), b_(bucket.data()) {}

  BucketedAggregation Accumulate(const query::Aggregation& spec, int buckets) {
    BucketedAggregation a;
    a.spec = &spec;
    const Column& column = *scan_.part.FindColumn(spec.column);
    if (spec.type == AggregationType::kCount) {
      a.count.assign(static_cast<size_t>(buckets), 0);
      CountRows(column, &a);
      return a;
    }
    a.codes = &scan_.part.Codes(spec.column);
    a.values = a.codes->num_values();
    a.stride = static_cast<size_t>(a.values) + 1;
    a.rows.assign(a.stride * static_cast<size_t>(buckets), 0);
    switch (spec.type) {
      case AggregationType::kCountPerValue:
        CountPerValue(&a);
        break;
      case AggregationType::kGroupsPerValue:
        if ((static_cast<size_t>(a.values) + 63) / 64 * scan_.groups <= kGroupValueBitsLimit) {
          GroupsPerValueByBits(&a);
        } else {
          GroupsPerValueByGroup(&a);
        }
        break;
      case AggregationType::kSumPerValue:
      case AggregationType::kMeanPerValue: {
        const Column& other = *scan_.part.FindColumn(*spec.other_column);
        a.n.assign(a.rows.size(), 0);
        a.integer_sums = other.type == ColumnType::kInt;
        if (a.integer_sums) {
          a.int_sums.assign(a.rows.size(), 0);
          SumPerValue(other, other.ints(), a.int_sums.data(), &a);
        } else {
          a.float_sums.assign(a.rows.size(), CompensatedSum{});
          SumPerValue(other, other.floats(), a.float_sums.data(), &a);
        }
        break;
      }
      case AggregationType::kCount:
        break;
    }
    return a;
  }

 private:
  void CountRows(const Column& column, BucketedAggregation* a) {
    const bool nulls = !column.validity.empty();
    for (int64_t r = scan_.begin; r < scan_.end; ++r) {
      const uint8_t x = b_[scan_.ordinals[r]];
      if (x == kNoBucket || (nulls && column.IsNull(r))) continue;
      ++a->count[x];
    }
  }

  void CountPerValue(BucketedAggregation* a) {
    const int32_t* codes = a->codes->codes();
    int64_t* rows = a->rows.data();
    for (int64_t r = scan_.begin; r < scan_.end; ++r) {
      const uint8_t x = b_[scan_.ordinals[r]];
      if (x != kNoBucket) ++rows[x * a->stride + static_cast<size_t>(codes[r])];
    }
  }

  // A value counts once per group. With few values: a bit set per group of the values it
  // has, filled in one pass in row order.
  void GroupsPerValueByBits(BucketedAggregation* a) {
    const int32_t* codes = a->codes->codes();
    int64_t* rows = a->rows.data();
    const size_t words = (static_cast<size_t>(a->values) + 63) / 64;
    std::vector<uint64_t> bits(words * scan_.groups, 0);
    const auto null_code = static_cast<uint32_t>(a->values);
    for (int64_t r = scan_.begin; r < scan_.end; ++r) {
      const auto g = static_cast<size_t>(scan_.ordinals[r]);
      const auto code = static_cast<uint32_t>(codes[r]);
      if (b_[g] == kNoBucket || code == null_code) continue;
      bits[g * words + code / 64] |= uint64_t{1} << (code % 64);
    }
    for (size_t g = 0; g < scan_.groups; ++g) {
      const uint8_t x = b_[g];
      if (x == kNoBucket) continue;
      for (size_t w = 0; w < words; ++w) {
        for (uint64_t m = bits[g * words + w]; m != 0; m &= m - 1) {
          ++rows[x * a->stride + w * 64 + static_cast<size_t>(std::countr_zero(m))];
        }
      }
    }
  }

  // Otherwise rows are visited group by group.
  void GroupsPerValueByGroup(BucketedAggregation* a) {
    const int32_t* codes = a->codes->codes();
    int64_t* rows = a->rows.data();
    const table::Part::RowsByGroup& by_group = scan_.part.rows_by_group();
    std::vector<int32_t> seen_in(a->stride, -1);
    for (size_t g = 0; g < scan_.groups; ++g) {
      const uint8_t x = b_[g];
      if (x == kNoBucket) continue;
      for (uint32_t i = by_group.offsets[g]; i < by_group.offsets[g + 1]; ++i) {
        const int64_t r = by_group.rows[i];
        if (r < scan_.begin || r >= scan_.end) continue;
        const auto code = static_cast<size_t>(codes[r]);
        if (seen_in[code] == static_cast<int32_t>(g)) continue;
        seen_in[code] = static_cast<int32_t>(g);
        ++rows[x * a->stride + code];
      }
    }
  }

  // Sums of `other` per value: the column's type is resolved once, not per row.
  template <typename Value, typename Sum>
  void SumPerValue(const Column& other, const Value* values, Sum* sums, BucketedAggregation* a) {
    const int32_t* codes = a->codes->codes();
    int64_t* rows = a->rows.data();
    int64_t* n = a->n.data();
    const bool nulls = !other.validity.empty();
    for (int64_t r = scan_.begin; r < scan_.end; ++r) {
      const uint8_t x = b_[scan_.ordinals[r]];
      if (x == kNoBucket) continue;
      const size_t slot = x * a->stride + static_cast<size_t>(codes[r]);
      ++rows[slot];
      if (nulls && other.IsNull(r)) continue;
      ++n[slot];
      if constexpr (std::is_same_v<Sum, CompensatedSum>) {
        sums[slot].Add(values[r]);
      } else {
        sums[slot] += values[r];
      }
    }
  }

  const PartScan& scan_;
  const uint8_t* b_;
};

AggregationResult Finish(const BucketedAggregation& a, int first, int last, int64_t exact_limit) {
  AggregationResult r;
  r.column = a.spec->column;
  r.type = a.spec->type;
  r.name = a.spec->name;
  r.top = a.spec->top;
  r.integer_sums = a.integer_sums;
  if (a.spec->type == AggregationType::kCount) {
    for (int x = first; x <= last; ++x) r.count += a.count[static_cast<size_t>(x)];
    return r;
  }
  for (int32_t v = 0; v < a.values; ++v) {
    AggregationResult::Entry e;
    for (int x = first; x <= last; ++x) {
      const size_t slot = static_cast<size_t>(x) * a.stride + static_cast<size_t>(v);
      e.rows += a.rows[slot];
      if (!a.n.empty()) e.n += a.n[slot];
      if (!a.int_sums.empty()) e.int_sum += a.int_sums[slot];
      if (!a.float_sums.empty()) e.float_sum.Add(a.float_sums[slot]);
    }
    if (e.rows == 0) continue;
    e.key = a.codes->value(v);
    r.entries.push_back(std::move(e));
  }
  if (static_cast<int64_t>(r.entries.size()) > exact_limit) {
    KeepTop(&r, static_cast<size_t>(exact_limit));
    r.approximate = true;
  }
  return r;
}

}  // namespace

std::vector<std::vector<AggregationResult>> RunAggregations(
    const PartScan& scan, const std::vector<query::Aggregation>& specs,
    const std::vector<uint8_t>& bucket, int buckets, const std::vector<std::pair<int, int>>& ranges,
    int64_t exact_limit) {
  std::vector<std::vector<AggregationResult>> out(ranges.size());
  Accumulator accumulator(scan, bucket);
  for (const auto& spec : specs) {
    BucketedAggregation acc = accumulator.Accumulate(spec, buckets);
    for (size_t i = 0; i < ranges.size(); ++i) {
      out[i].push_back(Finish(acc, ranges[i].first, ranges[i].second, exact_limit));
    }
  }
  return out;
}

}  // namespace frocket::engine
