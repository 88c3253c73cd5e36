#include "engine/part_executor.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

#include "engine/compensated_sum.h"
#include "engine/predicate.h"
#include "query/query_parser.h"

namespace frocket::engine {

namespace {

using query::AggregationType;
using query::Op;
using query::Target;
using table::Column;
using table::Part;

constexpr uint8_t kNoBucket = 0xff;
constexpr int64_t kBatch = CompiledPredicate::kMaxBatch;
// Up to this many 64-bit words (8 MiB), groupsPerValue keeps a bit set of values per group.
constexpr size_t kGroupValueBitsLimit = size_t{1} << 20;

template <typename A, typename B>
bool CompareNumbers(Op op, A a, B b) {
  const auto x = static_cast<long double>(a);
  const auto y = static_cast<long double>(b);
  switch (op) {
    case Op::kEq:
      return x == y;
    case Op::kNe:
      return x != y;
    case Op::kGt:
      return x > y;
    case Op::kGe:
      return x >= y;
    case Op::kLt:
      return x < y;
    case Op::kLe:
      return x <= y;
    default:
      return false;
  }
}

bool CompareTarget(Op op, long double a, const query::Literal& value) {
  if (const int64_t* i = std::get_if<int64_t>(&value)) return CompareNumbers(op, a, *i);
  return CompareNumbers(op, a, std::get<double>(value));
}

// State of a count/sum condition: per group, matching rows and the sum of the target column.
struct RowsCondition {
  int predicate = 0;
  const query::Condition* condition = nullptr;
  const Column* sum_column = nullptr;
  std::vector<uint32_t> counts;
  std::vector<__int128> int_sums;
  std::vector<CompensatedSum> float_sums;
};

// State of a sequence: per group, the steps reached and the time key of the last one.
struct SequenceState {
  std::vector<int> step_predicates;
  std::vector<uint8_t> reached;
  std::vector<int64_t> reach_time;
};

// One aggregation accumulated per bucket (a bucket is a set of groups: the selected groups,
// or those that stopped at a given funnel step) and per value code.
struct BucketedAggregation {
  const query::Aggregation* spec = nullptr;
  int buckets = 1;
  int32_t values = 0;  // distinct values; arrays have values + 1 slots per bucket
  const table::ValueCodes* codes = nullptr;
  bool integer_sums = false;
  std::vector<int64_t> count;  // kCount, per bucket
  std::vector<int64_t> rows;   // per bucket and value
  std::vector<int64_t> n;
  std::vector<__int128> int_sums;
  std::vector<CompensatedSum> float_sums;
};

class Executor {
 public:
  Executor(const Part& part, const query::Query& q, const ExecOptions& options)
      : part_(part),
        q_(q),
        options_(options),
        ordinals_(part.group_ordinals()),
        groups_(static_cast<size_t>(part.num_groups())) {}

  Result<PartResult> Run() {
    FindRowRange();
    CountGroupRows();
    FROCKET_RETURN_IF_ERROR(Prepare());
    Scan();
    SelectGroups();

    PartResult result;
    result.scanned_rows = end_ - begin_;
    result.scanned_groups = existing_groups_;
    for (size_t g = 0; g < groups_; ++g) {
      if (selected_[g]) {
        result.query.matching_groups += 1;
        result.query.matching_group_rows += group_rows_[g];
      }
    }
    if (q_.aggregations) {
      std::vector<uint8_t> bucket(groups_);
      for (size_t g = 0; g < groups_; ++g) bucket[g] = selected_[g] ? 0 : kNoBucket;
      result.query.aggregations = RunAggregations(*q_.aggregations, bucket, 1, {{0, 0}})[0];
    }
    if (q_.funnel) result.funnel = FunnelResults();
    return result;
  }

 private:
  void FindRowRange() {
    begin_ = 0;
    end_ = part_.num_rows();
    if (!q_.timeframe) return;
    auto bound = [&](const query::Literal& v) {
      if (const int64_t* i = std::get_if<int64_t>(&v)) return part_.LowerBoundRow(*i);
      return part_.LowerBoundRow(std::get<double>(v));
    };
    if (q_.timeframe->from) begin_ = bound(*q_.timeframe->from);
    if (q_.timeframe->to) end_ = bound(*q_.timeframe->to);
    if (end_ < begin_) end_ = begin_;
  }

  void CountGroupRows() {
    if (begin_ == 0 && end_ == part_.num_rows()) {
      group_rows_ = part_.group_row_counts();
    } else {
      group_rows_.assign(groups_, 0);
      for (int64_t r = begin_; r < end_; ++r) ++group_rows_[static_cast<size_t>(ordinals_[r])];
    }
    existing_.resize(groups_);
    existing_groups_ = 0;
    for (size_t g = 0; g < groups_; ++g) {
      existing_[g] = group_rows_[g] > 0;
      existing_groups_ += existing_[g];
    }
  }

  Result<int> AddPredicate(const query::RowPredicate& p) {
    FROCKET_ASSIGN_OR_RETURN(CompiledPredicate compiled, CompiledPredicate::Compile(p, part_));
    predicates_.push_back(std::move(compiled));
    return static_cast<int>(predicates_.size() - 1);
  }

  Result<SequenceState> PrepareSequence(const query::Sequence& s) {
    SequenceState state;
    for (const auto& step : s.steps) {
      FROCKET_ASSIGN_OR_RETURN(int p, AddPredicate(step.predicate));
      state.step_predicates.push_back(p);
    }
    state.reached.assign(groups_, 0);
    state.reach_time.assign(groups_, 0);
    return state;
  }

  Status Prepare() {
    for (const auto& c : q_.conditions) {
      if (c.kind == query::Condition::Kind::kSequence) {
        FROCKET_ASSIGN_OR_RETURN(SequenceState s, PrepareSequence(c.sequence));
        sequences_.push_back(std::move(s));
        condition_slots_.push_back({false, sequences_.size() - 1});
        continue;
      }
      RowsCondition rc;
      rc.condition = &c;
      FROCKET_ASSIGN_OR_RETURN(rc.predicate, AddPredicate(c.predicate));
      if (c.target.type == Target::Type::kCount) {
        rc.counts.assign(groups_, 0);
      } else {
        rc.sum_column = part_.FindColumn(c.target.column);
        if (rc.sum_column == nullptr) {
          return Status::Invalid("internal error: column '" + c.target.column + "' not loaded");
        }
        rc.counts.assign(groups_, 0);
        if (rc.sum_column->type == ColumnType::kInt) {
          rc.int_sums.assign(groups_, 0);
        } else {
          rc.float_sums.assign(groups_, CompensatedSum{});
        }
      }
      rows_conditions_.push_back(std::move(rc));
      condition_slots_.push_back({true, rows_conditions_.size() - 1});
    }
    if (q_.funnel) {
      FROCKET_ASSIGN_OR_RETURN(SequenceState s, PrepareSequence(q_.funnel->sequence));
      funnel_ = std::move(s);
    }
    return Status::OK();
  }

  void Scan() {
    if (predicates_.empty()) return;
    std::vector<std::vector<uint8_t>> masks(predicates_.size(),
                                            std::vector<uint8_t>(static_cast<size_t>(kBatch)));
    zeros_.assign(static_cast<size_t>(kBatch), 0);
    for (int64_t batch = begin_; batch < end_; batch += kBatch) {
      const int64_t n = std::min(kBatch, end_ - batch);
      for (size_t p = 0; p < predicates_.size(); ++p) {
        predicates_[p].Eval(batch, n, masks[p].data());
      }
      for (RowsCondition& rc : rows_conditions_) {
        UpdateRowsCondition(rc, masks[static_cast<size_t>(rc.predicate)].data(), batch, n);
      }
      for (SequenceState& s : sequences_) UpdateSequence(s, masks, batch, n);
      if (funnel_) UpdateSequence(*funnel_, masks, batch, n);
    }
  }

  void UpdateRowsCondition(RowsCondition& rc, const uint8_t* mask, int64_t batch, int64_t n) {
    const int32_t* ord = ordinals_ + batch;
    uint32_t* counts = rc.counts.data();
    for (int64_t i = 0; i < n; ++i) counts[ord[i]] += mask[i];
    if (rc.sum_column == nullptr) return;
    const Column& c = *rc.sum_column;
    const bool nulls = !c.validity.empty();
    if (c.type == ColumnType::kInt) {
      const int64_t* v = c.ints() + batch;
      __int128* sums = rc.int_sums.data();
      for (int64_t i = 0; i < n; ++i) {
        if (!mask[i] || (nulls && c.IsNull(batch + i))) continue;
        sums[ord[i]] += v[i];
      }
    } else {
      const double* v = c.floats() + batch;
      CompensatedSum* sums = rc.float_sums.data();
      for (int64_t i = 0; i < n; ++i) {
        if (!mask[i] || (nulls && c.IsNull(batch + i))) continue;
        sums[ord[i]].Add(v[i]);
      }
    }
  }

  // The greedy earliest chain: a group at step s advances on a row matching step s + 1 whose
  // timestamp is strictly later than the row that took it to step s.
  void UpdateSequence(SequenceState& s, const std::vector<std::vector<uint8_t>>& masks,
                      int64_t batch, int64_t n) {
    const size_t k = s.step_predicates.size();
    // A group's step is a byte: the parser allows at most query::kMaxSteps (< 255).
    static_assert(query::kMaxSteps < 255);
    std::array<const uint8_t*, query::kMaxSteps + 1> step_mask;
    for (size_t i = 0; i < k; ++i) {
      step_mask[i] = masks[static_cast<size_t>(s.step_predicates[i])].data();
    }
    step_mask[k] = zeros_.data();  // a group past the last step never advances
    const int32_t* ord = ordinals_ + batch;
    const int64_t* t = part_.time_keys() + batch;
    uint8_t* reached = s.reached.data();
    int64_t* reach_time = s.reach_time.data();
    for (int64_t i = 0; i < n; ++i) {
      const int32_t g = ord[i];
      const uint8_t at = reached[g];
      if (step_mask[at][i] && (at == 0 || t[i] > reach_time[g])) {
        reached[g] = static_cast<uint8_t>(at + 1);
        reach_time[g] = t[i];
      }
    }
  }

  std::vector<uint8_t> ConditionFlags(size_t index) {
    std::vector<uint8_t> flags(groups_, 0);
    auto [is_rows, slot] = condition_slots_[index];
    if (!is_rows) {
      const SequenceState& s = sequences_[slot];
      const auto k = static_cast<uint8_t>(s.step_predicates.size());
      for (size_t g = 0; g < groups_; ++g) flags[g] = existing_[g] && s.reached[g] == k;
      return flags;
    }
    const RowsCondition& rc = rows_conditions_[slot];
    const query::Condition& c = *rc.condition;
    for (size_t g = 0; g < groups_; ++g) {
      if (!existing_[g]) continue;
      const uint32_t matched = rc.counts[g];
      if (c.target.type == Target::Type::kCount) {
        flags[g] =
            (matched > 0 || c.include_zero) && CompareTarget(c.target.op, matched, c.target.value);
      } else {
        long double sum = rc.int_sums.empty() ? static_cast<long double>(rc.float_sums[g].value())
                                              : static_cast<long double>(rc.int_sums[g]);
        flags[g] = matched > 0 && CompareTarget(c.target.op, sum, c.target.value);
      }
    }
    return flags;
  }

  std::vector<uint8_t> EvalRelation(const query::Relation& r,
                                    std::vector<std::vector<uint8_t>>& flags) {
    switch (r.kind) {
      case query::Relation::Kind::kCondition:
        return flags[static_cast<size_t>(r.condition)];
      case query::Relation::Kind::kNot: {
        std::vector<uint8_t> v = EvalRelation(r.operands[0], flags);
        for (auto& x : v) x = !x;
        return v;
      }
      case query::Relation::Kind::kAnd:
      case query::Relation::Kind::kOr: {
        std::vector<uint8_t> v = EvalRelation(r.operands[0], flags);
        for (size_t i = 1; i < r.operands.size(); ++i) {
          std::vector<uint8_t> w = EvalRelation(r.operands[i], flags);
          if (r.kind == query::Relation::Kind::kAnd) {
            for (size_t g = 0; g < v.size(); ++g) v[g] &= w[g];
          } else {
            for (size_t g = 0; g < v.size(); ++g) v[g] |= w[g];
          }
        }
        return v;
      }
    }
    return {};
  }

  void SelectGroups() {
    selected_ = existing_;
    if (q_.conditions.empty()) return;
    std::vector<std::vector<uint8_t>> flags;
    for (size_t i = 0; i < q_.conditions.size(); ++i) flags.push_back(ConditionFlags(i));
    std::vector<uint8_t> relation = EvalRelation(*q_.relation, flags);
    for (size_t g = 0; g < groups_; ++g) selected_[g] = existing_[g] && relation[g];
  }

  FunnelResult FunnelResults() {
    const size_t k = funnel_->step_predicates.size();
    FunnelResult f;
    f.sequence.resize(k);
    // Bucket of a selected group: the last step it reached, minus one (groups that did not
    // reach the first step are in no step's results).
    std::vector<uint8_t> bucket(groups_, kNoBucket);
    for (size_t g = 0; g < groups_; ++g) {
      if (!selected_[g]) continue;
      const uint8_t level = funnel_->reached[g];
      for (size_t step = 0; step < level; ++step) {
        f.sequence[step].matching_groups += 1;
        f.sequence[step].matching_group_rows += group_rows_[g];
      }
      if (level > 0) bucket[g] = static_cast<uint8_t>(level - 1);
    }
    const int buckets = static_cast<int>(k);
    if (q_.funnel->step_aggregations) {
      std::vector<std::pair<int, int>> ranges;
      for (int step = 0; step < buckets; ++step) ranges.emplace_back(step, buckets - 1);
      auto per_step = RunAggregations(*q_.funnel->step_aggregations, bucket, buckets, ranges);
      for (size_t step = 0; step < k; ++step)
        f.sequence[step].aggregations = std::move(per_step[step]);
    }
    if (q_.funnel->end_aggregations) {
      f.end_aggregations = RunAggregations(*q_.funnel->end_aggregations, bucket, buckets,
                                           {{buckets - 1, buckets - 1}})[0];
    }
    return f;
  }

  // Runs `specs` over the rows of groups with a bucket; for each [first, last] bucket range
  // returns the results over the groups in those buckets.
  std::vector<std::vector<AggregationResult>> RunAggregations(
      const std::vector<query::Aggregation>& specs, const std::vector<uint8_t>& bucket, int buckets,
      const std::vector<std::pair<int, int>>& ranges) {
    std::vector<std::vector<AggregationResult>> out(ranges.size());
    for (const auto& spec : specs) {
      BucketedAggregation acc = Accumulate(spec, bucket, buckets);
      for (size_t i = 0; i < ranges.size(); ++i) {
        out[i].push_back(Finish(acc, ranges[i].first, ranges[i].second));
      }
    }
    return out;
  }

  BucketedAggregation Accumulate(const query::Aggregation& spec, const std::vector<uint8_t>& bucket,
                                 int buckets) {
    BucketedAggregation a;
    a.spec = &spec;
    a.buckets = buckets;
    const Column& column = *part_.FindColumn(spec.column);
    const uint8_t* b = bucket.data();
    if (spec.type == AggregationType::kCount) {
      a.count.assign(static_cast<size_t>(buckets), 0);
      const bool nulls = !column.validity.empty();
      for (int64_t r = begin_; r < end_; ++r) {
        const uint8_t x = b[ordinals_[r]];
        if (x == kNoBucket || (nulls && column.IsNull(r))) continue;
        ++a.count[x];
      }
      return a;
    }
    a.codes = &part_.Codes(spec.column);
    a.values = a.codes->num_values();
    const size_t stride = static_cast<size_t>(a.values) + 1;  // the last slot takes nulls
    const int32_t* codes = a.codes->codes();
    a.rows.assign(stride * static_cast<size_t>(buckets), 0);
    int64_t* rows = a.rows.data();
    switch (spec.type) {
      case AggregationType::kCountPerValue:
        for (int64_t r = begin_; r < end_; ++r) {
          const uint8_t x = b[ordinals_[r]];
          if (x != kNoBucket) ++rows[x * stride + static_cast<size_t>(codes[r])];
        }
        break;
      case AggregationType::kGroupsPerValue: {
        // A value counts once per group. With few values, a bit set per group of the values
        // it has, filled in one pass in row order; otherwise rows are visited group by group.
        const size_t words = (static_cast<size_t>(a.values) + 63) / 64;
        if (words * groups_ <= kGroupValueBitsLimit) {
          std::vector<uint64_t> bits(words * groups_, 0);
          const auto null_code = static_cast<uint32_t>(a.values);
          for (int64_t r = begin_; r < end_; ++r) {
            const auto g = static_cast<size_t>(ordinals_[r]);
            const auto code = static_cast<uint32_t>(codes[r]);
            if (b[g] == kNoBucket || code == null_code) continue;
            bits[g * words + code / 64] |= uint64_t{1} << (code % 64);
          }
          for (size_t g = 0; g < groups_; ++g) {
            const uint8_t x = b[g];
            if (x == kNoBucket) continue;
            for (size_t w = 0; w < words; ++w) {
              for (uint64_t m = bits[g * words + w]; m != 0; m &= m - 1) {
                ++rows[x * stride + w * 64 + static_cast<size_t>(std::countr_zero(m))];
              }
            }
          }
          break;
        }
        const Part::RowsByGroup& by_group = part_.rows_by_group();
        std::vector<int32_t> seen_in(stride, -1);
        for (size_t g = 0; g < groups_; ++g) {
          const uint8_t x = b[g];
          if (x == kNoBucket) continue;
          for (uint32_t i = by_group.offsets[g]; i < by_group.offsets[g + 1]; ++i) {
            const int64_t r = by_group.rows[i];
            if (r < begin_ || r >= end_) continue;
            const auto code = static_cast<size_t>(codes[r]);
            if (seen_in[code] == static_cast<int32_t>(g)) continue;
            seen_in[code] = static_cast<int32_t>(g);
            ++rows[x * stride + code];
          }
        }
        break;
      }
      case AggregationType::kSumPerValue:
      case AggregationType::kMeanPerValue: {
        const Column& other = *part_.FindColumn(*spec.other_column);
        const bool nulls = !other.validity.empty();
        a.n.assign(rows_size(a), 0);
        a.integer_sums = other.type == ColumnType::kInt;
        if (a.integer_sums) {
          a.int_sums.assign(rows_size(a), 0);
        } else {
          a.float_sums.assign(rows_size(a), CompensatedSum{});
        }
        for (int64_t r = begin_; r < end_; ++r) {
          const uint8_t x = b[ordinals_[r]];
          if (x == kNoBucket) continue;
          const size_t slot = x * stride + static_cast<size_t>(codes[r]);
          ++rows[slot];
          if (nulls && other.IsNull(r)) continue;
          ++a.n[slot];
          if (a.integer_sums) {
            a.int_sums[slot] += other.ints()[r];
          } else {
            a.float_sums[slot].Add(other.floats()[r]);
          }
        }
        break;
      }
      case AggregationType::kCount:
        break;
    }
    return a;
  }

  static size_t rows_size(const BucketedAggregation& a) { return a.rows.size(); }

  AggregationResult Finish(const BucketedAggregation& a, int first, int last) {
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
    const size_t stride = static_cast<size_t>(a.values) + 1;
    for (int32_t v = 0; v < a.values; ++v) {
      AggregationResult::Entry e;
      for (int x = first; x <= last; ++x) {
        const size_t slot = static_cast<size_t>(x) * stride + static_cast<size_t>(v);
        e.rows += a.rows[slot];
        if (!a.n.empty()) e.n += a.n[slot];
        if (!a.int_sums.empty()) e.int_sum += a.int_sums[slot];
        if (!a.float_sums.empty()) e.float_sum.Add(a.float_sums[slot]);
      }
      if (e.rows == 0) continue;
      e.key = a.codes->value(v);
      r.entries.push_back(std::move(e));
    }
    if (static_cast<int64_t>(r.entries.size()) > options_.exact_limit) {
      KeepTop(&r, static_cast<size_t>(options_.exact_limit));
      r.approximate = true;
    }
    return r;
  }

  const Part& part_;
  const query::Query& q_;
  const ExecOptions& options_;
  const int32_t* ordinals_;
  const size_t groups_;

  int64_t begin_ = 0;
  int64_t end_ = 0;
  std::vector<uint32_t> group_rows_;
  std::vector<uint8_t> existing_;
  int64_t existing_groups_ = 0;

  std::vector<CompiledPredicate> predicates_;
  std::vector<RowsCondition> rows_conditions_;
  std::vector<SequenceState> sequences_;
  std::vector<std::pair<bool, size_t>> condition_slots_;  // per condition: rows?, index
  std::optional<SequenceState> funnel_;
  std::vector<uint8_t> zeros_;
  std::vector<uint8_t> selected_;
};

}  // namespace

Result<PartResult> ExecuteQuery(const table::Part& part, const query::Query& query,
                                const ExecOptions& options) {
  // The parser refuses longer sequences with their JSON path; a Query built otherwise is a bug.
  auto too_long = [](const query::Sequence& s) { return s.steps.size() > query::kMaxSteps; };
  for (const auto& c : query.conditions) {
    if (c.kind == query::Condition::Kind::kSequence && too_long(c.sequence)) {
      return Status::Invalid("internal error: a sequence of more than query::kMaxSteps steps");
    }
  }
  if (query.funnel && too_long(query.funnel->sequence)) {
    return Status::Invalid("internal error: a funnel of more than query::kMaxSteps steps");
  }
  FROCKET_ASSIGN_OR_RETURN(PartResult result, Executor(part, query, options).Run());
  result.value_checks = CheckValues(part, query);
  return result;
}

}  // namespace frocket::engine
