#include "engine/part_executor.h"

#include <algorithm>
#include <memory>

#include "engine/bucketed_aggregation.h"
#include "engine/part_scan.h"
#include "engine/predicate.h"
#include "engine/relation_eval.h"
#include "engine/row_condition.h"
#include "engine/sequence_matcher.h"
#include "query/query_parser.h"

namespace frocket::engine {

namespace {

constexpr int64_t kBatch = CompiledPredicate::kMaxBatch;

// One query over one part: the rows inside the timeframe scanned once, a batch at a time —
// every row predicate into masks, fed to the conditions and sequence matchers — then the
// relation over per-group flags, then aggregations over the selected groups' rows.
class Executor {
 public:
  Executor(const table::Part& part, const query::Query& q, const ExecOptions& options)
      : scan_{part, 0, part.num_rows(), part.group_ordinals(),
              static_cast<size_t>(part.num_groups())},
        q_(q),
        options_(options) {}

  Result<PartResult> Run() {
    FindRowRange();
    CountGroupRows();
    FROCKET_RETURN_IF_ERROR(Prepare());
    Scan();
    SelectGroups();

    PartResult result;
    result.scanned_rows = scan_.end - scan_.begin;
    result.scanned_groups = existing_groups_;
    for (size_t g = 0; g < scan_.groups; ++g) {
      if (selected_[g]) {
        result.query.matching_groups += 1;
        result.query.matching_group_rows += group_rows_[g];
      }
    }
    if (q_.aggregations) {
      std::vector<uint8_t> bucket(scan_.groups);
      for (size_t g = 0; g < scan_.groups; ++g) bucket[g] = selected_[g] ? 0 : kNoBucket;
      result.query.aggregations =
          RunAggregations(scan_, *q_.aggregations, bucket, 1, {{0, 0}}, options_.exact_limit)[0];
    }
    if (q_.funnel) result.funnel = FunnelResults();
    if (q_.groups) result.groups = CollectGroupIds(*q_.groups);
    result.value_checks = CheckValues(scan_.part, q_, scan_.begin, scan_.end);
    return result;
  }

  // The ids the query's "groups" asks for, the least `limit` of them in value order.
  GroupIds CollectGroupIds(const query::GroupsOutput& spec) const {
    using Of = query::GroupsOutput::Of;
    std::vector<int32_t> chosen;
    for (size_t g = 0; g < scan_.groups; ++g) {
      if (!selected_[g]) continue;
      if (spec.of != Of::kQuery) {
        const auto level = static_cast<int64_t>(funnel_->reached()[g]);
        if (level <= spec.step || (spec.of == Of::kDropOff && level != spec.step + 1)) continue;
      }
      chosen.push_back(static_cast<int32_t>(g));
    }
    GroupIds ids;
    ids.count = static_cast<int64_t>(chosen.size());
    ids.limit = spec.limit;
    ids.strings = scan_.part.group_column().type == ColumnType::kString;
    size_t keep = chosen.size();
    if (spec.limit != query::GroupsOutput::kAll) {
      keep = std::min(keep, static_cast<size_t>(spec.limit));
    }
    // The ids themselves sorted (a group's value is its ordinal's dictionary entry).
    const table::ValueCodes& codes = scan_.part.group_codes();
    auto least = [&](auto& out, auto value_of) {
      out.reserve(chosen.size());
      for (int32_t g : chosen) out.push_back(value_of(codes.value(g)));
      std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(keep), out.end());
      out.resize(keep);
    };
    if (ids.strings) {
      least(ids.texts, [](const table::Value& v) { return std::get<std::string>(v); });
    } else {
      least(ids.ints, [](const table::Value& v) { return std::get<int64_t>(v); });
    }
    return ids;
  }

 private:
  void FindRowRange() {
    if (!q_.timeframe) return;
    auto bound = [&](const query::Literal& v) {
      if (const int64_t* i = std::get_if<int64_t>(&v)) return scan_.part.LowerBoundRow(*i);
      return scan_.part.LowerBoundRow(std::get<double>(v));
    };
    if (q_.timeframe->from) scan_.begin = bound(*q_.timeframe->from);
    if (q_.timeframe->to) scan_.end = bound(*q_.timeframe->to);
    if (scan_.end < scan_.begin) scan_.end = scan_.begin;
  }

  void CountGroupRows() {
    if (scan_.begin == 0 && scan_.end == scan_.part.num_rows()) {
      group_rows_ = scan_.part.group_row_counts();
    } else {
      group_rows_.assign(scan_.groups, 0);
      for (int64_t r = scan_.begin; r < scan_.end; ++r) {
        ++group_rows_[static_cast<size_t>(scan_.ordinals[r])];
      }
    }
    existing_.resize(scan_.groups);
    existing_groups_ = 0;
    for (size_t g = 0; g < scan_.groups; ++g) {
      existing_[g] = group_rows_[g] > 0;
      existing_groups_ += existing_[g];
    }
  }

  Result<int> AddPredicate(const query::RowPredicate& p) {
    FROCKET_ASSIGN_OR_RETURN(CompiledPredicate compiled, CompiledPredicate::Compile(p, scan_.part));
    predicates_.push_back(std::move(compiled));
    return static_cast<int>(predicates_.size() - 1);
  }

  Result<std::unique_ptr<SequenceMatcher>> PrepareSequence(const query::Sequence& s,
                                                           bool want_chains = false,
                                                           ChainTies ties = {}) {
    std::vector<int> steps;
    for (const auto& step : s.steps) {
      FROCKET_ASSIGN_OR_RETURN(int p, AddPredicate(step.predicate));
      steps.push_back(p);
    }
    return MakeSequenceMatcher(scan_, s, std::move(steps), want_chains, ties);
  }

  Status Prepare() {
    for (const auto& c : q_.conditions) {
      if (c.kind == query::Condition::Kind::kSequence) {
        FROCKET_ASSIGN_OR_RETURN(auto matcher, PrepareSequence(c.sequence));
        sequences_.push_back(std::move(matcher));
        condition_slots_.push_back({false, sequences_.size() - 1});
        continue;
      }
      FROCKET_ASSIGN_OR_RETURN(int predicate, AddPredicate(c.predicate));
      FROCKET_ASSIGN_OR_RETURN(RowCondition rc, RowCondition::Make(c, predicate, scan_));
      row_conditions_.push_back(std::move(rc));
      condition_slots_.push_back({true, row_conditions_.size() - 1});
    }
    if (q_.funnel) {
      const query::Funnel& funnel = *q_.funnel;
      ChainTies ties;
      if (funnel.breakdown) {
        // Values ranked in their order, NULL (the code after the last) last.
        breakdown_codes_ = &scan_.part.Codes(funnel.breakdown->column);
        const int32_t n = breakdown_codes_->num_values();
        std::vector<int32_t> order(static_cast<size_t>(n));
        for (int32_t c = 0; c < n; ++c) order[static_cast<size_t>(c)] = c;
        std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
          return table::ValueLess(breakdown_codes_->value(a), breakdown_codes_->value(b));
        });
        breakdown_ranks_.assign(static_cast<size_t>(n) + 1, static_cast<uint32_t>(n));
        for (int32_t r = 0; r < n; ++r) {
          breakdown_ranks_[static_cast<size_t>(order[static_cast<size_t>(r)])] =
              static_cast<uint32_t>(r);
        }
        ties.codes = breakdown_codes_->codes();
        ties.rank_of_code = breakdown_ranks_.data();
        ties.attribution =
            funnel.breakdown->attribution == query::Breakdown::Attribution::kFirstStep ? 0
            : funnel.breakdown->attribution == query::Breakdown::Attribution::kLastStep
                ? ChainTies::kDeepest
                : static_cast<int>(funnel.breakdown->step);
      }
      const bool chains = funnel.time_to_convert || funnel.breakdown.has_value();
      FROCKET_ASSIGN_OR_RETURN(funnel_, PrepareSequence(funnel.sequence, chains, ties));
    }
    return Status::OK();
  }

  void Scan() {
    if (predicates_.empty()) return;  // then there are no sequences
    BatchMasks masks(predicates_.size(), std::vector<uint8_t>(static_cast<size_t>(kBatch)));
    for (int64_t batch = scan_.begin; batch < scan_.end; batch += kBatch) {
      const int64_t n = std::min(kBatch, scan_.end - batch);
      for (size_t p = 0; p < predicates_.size(); ++p) {
        predicates_[p].Eval(batch, n, masks[p].data());
      }
      for (RowCondition& rc : row_conditions_) rc.Update(masks, batch, n);
      for (auto& s : sequences_) s->Update(masks, batch, n);
      if (funnel_) funnel_->Update(masks, batch, n);
    }
    for (auto& s : sequences_) s->Finish();
    if (funnel_) funnel_->Finish();
  }

  std::vector<uint8_t> ConditionFlags(size_t index) const {
    auto [is_rows, slot] = condition_slots_[index];
    if (is_rows) return row_conditions_[slot].Flags(existing_);
    const SequenceMatcher& s = *sequences_[slot];
    const auto k = static_cast<uint8_t>(s.steps());
    const std::vector<uint8_t>& reached = s.reached();
    std::vector<uint8_t> flags(scan_.groups, 0);
    for (size_t g = 0; g < scan_.groups; ++g) flags[g] = existing_[g] && reached[g] == k;
    return flags;
  }

  void SelectGroups() {
    selected_ = existing_;
    if (q_.conditions.empty()) return;
    std::vector<std::vector<uint8_t>> flags;
    for (size_t i = 0; i < q_.conditions.size(); ++i) flags.push_back(ConditionFlags(i));
    std::vector<uint8_t> relation = EvalRelation(*q_.relation, flags);
    for (size_t g = 0; g < scan_.groups; ++g) selected_[g] = existing_[g] && relation[g];
  }

  FunnelResult FunnelResults() {
    const size_t k = funnel_->steps();
    FunnelResult f;
    f.sequence.resize(k);
    // Bucket of a selected group: the last step it reached, minus one (groups that did not
    // reach the first step are in no step's results).
    std::vector<uint8_t> bucket(scan_.groups, kNoBucket);
    const std::vector<uint8_t>& reached = funnel_->reached();
    for (size_t g = 0; g < scan_.groups; ++g) {
      if (!selected_[g]) continue;
      const uint8_t level = reached[g];
      for (size_t step = 0; step < level; ++step) {
        f.sequence[step].matching_groups += 1;
        f.sequence[step].matching_group_rows += group_rows_[g];
      }
      if (level > 0) bucket[g] = static_cast<uint8_t>(level - 1);
    }
    if (q_.funnel->time_to_convert) {
      for (size_t step = 1; step < k; ++step) f.sequence[step].time_to_convert.emplace();
      for (size_t g = 0; g < scan_.groups; ++g) {
        if (selected_[g]) AddTimesToConvert(g, &f.sequence);
      }
    }
    if (q_.funnel->breakdown) f.breakdown = BreakdownBuckets();
    const int buckets = static_cast<int>(k);
    if (q_.funnel->step_aggregations) {
      // A step's aggregations are over the groups that reached it or went further.
      std::vector<std::pair<int, int>> ranges;
      for (int step = 0; step < buckets; ++step) ranges.emplace_back(step, buckets - 1);
      auto per_step = RunAggregations(scan_, *q_.funnel->step_aggregations, bucket, buckets, ranges,
                                      options_.exact_limit);
      for (size_t step = 0; step < k; ++step) {
        f.sequence[step].aggregations = std::move(per_step[step]);
      }
    }
    if (q_.funnel->end_aggregations) {
      f.end_aggregations = RunAggregations(scan_, *q_.funnel->end_aggregations, bucket, buckets,
                                           {{buckets - 1, buckets - 1}}, options_.exact_limit)[0];
    }
    return f;
  }

  // Adds a group's times to convert (its chain rows' times from the previous step's and the
  // first's) to the steps after the first that it reached.
  void AddTimesToConvert(size_t g, std::vector<StepResult>* steps) const {
    const size_t k = funnel_->steps();
    const size_t level = funnel_->reached()[g];
    const int32_t* chain = &funnel_->chain_rows()[g * k];
    const table::Column& time = scan_.part.time_column();
    for (size_t step = 1; step < level; ++step) {
      TimeToConvert& t = *(*steps)[step].time_to_convert;
      if (time.type == ColumnType::kFloat) {
        const double* ts = time.floats();
        t.from_previous.Add(ts[chain[step]] - ts[chain[step - 1]]);
        t.from_first.Add(ts[chain[step]] - ts[chain[0]]);
      } else {
        // INT timestamps are their own keys. They increase along a chain, so the differences
        // are positive; only timestamps more than 2^63 apart would saturate.
        const int64_t* keys = scan_.part.time_keys();
        t.from_previous.Add(Difference(keys[chain[step]], keys[chain[step - 1]]));
        t.from_first.Add(Difference(keys[chain[step]], keys[chain[0]]));
      }
    }
  }

  // The funnel per value of the breakdown column, from each group's chain row at the
  // attribution step (DESIGN.md §3b); every value's bucket, in value order, NULL last.
  std::vector<BreakdownBucket> BreakdownBuckets() const {
    const query::Breakdown& b = *q_.funnel->breakdown;
    const size_t k = funnel_->steps();
    const std::vector<uint8_t>& reached = funnel_->reached();
    const int32_t null_code = breakdown_codes_->num_values();
    std::vector<int32_t> slot(static_cast<size_t>(null_code) + 1, -1);  // per code, its bucket
    std::vector<std::pair<int32_t, std::vector<StepResult>>> buckets;   // code, steps
    for (size_t g = 0; g < scan_.groups; ++g) {
      const size_t level = reached[g];
      if (!selected_[g] || level == 0) continue;
      const size_t attribution = b.attribution == query::Breakdown::Attribution::kFirstStep ? 0
                                 : b.attribution == query::Breakdown::Attribution::kLastStep
                                     ? level - 1
                                     : static_cast<size_t>(b.step);
      const int32_t code =
          attribution < level
              ? breakdown_codes_->codes()[funnel_->chain_rows()[g * k + attribution]]
              : null_code;
      int32_t& at = slot[static_cast<size_t>(code)];
      if (at < 0) {
        at = static_cast<int32_t>(buckets.size());
        buckets.emplace_back(code, std::vector<StepResult>(k));
        if (q_.funnel->time_to_convert) {
          for (size_t step = 1; step < k; ++step)
            buckets.back().second[step].time_to_convert.emplace();
        }
      }
      std::vector<StepResult>& steps = buckets[static_cast<size_t>(at)].second;
      for (size_t step = 0; step < level; ++step) {
        steps[step].matching_groups += 1;
        steps[step].matching_group_rows += group_rows_[g];
      }
      if (q_.funnel->time_to_convert) AddTimesToConvert(g, &steps);
    }
    std::sort(buckets.begin(), buckets.end(), [&](const auto& x, const auto& y) {
      return breakdown_ranks_[static_cast<size_t>(x.first)] <
             breakdown_ranks_[static_cast<size_t>(y.first)];
    });
    std::vector<BreakdownBucket> out;
    for (auto& [code, steps] : buckets) {
      BreakdownBucket bucket;
      if (code != null_code) bucket.value = breakdown_codes_->value(code);
      bucket.sequence = std::move(steps);
      out.push_back(std::move(bucket));
    }
    return out;
  }

  static int64_t Difference(int64_t later, int64_t earlier) {
    int64_t d = 0;
    return __builtin_sub_overflow(later, earlier, &d) ? INT64_MAX : d;
  }

  PartScan scan_;
  const query::Query& q_;
  const ExecOptions& options_;

  std::vector<uint32_t> group_rows_;
  std::vector<uint8_t> existing_;  // per group: it has rows inside the timeframe
  int64_t existing_groups_ = 0;

  std::vector<CompiledPredicate> predicates_;
  std::vector<RowCondition> row_conditions_;
  std::vector<std::unique_ptr<SequenceMatcher>> sequences_;
  std::vector<std::pair<bool, size_t>> condition_slots_;  // per condition: rows?, index
  std::unique_ptr<SequenceMatcher> funnel_;
  const table::ValueCodes* breakdown_codes_ = nullptr;  // of the breakdown column
  std::vector<uint32_t> breakdown_ranks_;               // per code, its value's rank
  std::vector<uint8_t> selected_;
};

}  // namespace

bool CountsOnly(const query::Query& query) {
  return !query.timeframe && query.conditions.empty() && !query.aggregations && !query.funnel &&
         !query.groups;
}

PartResult CountsOnlyResult(int64_t rows, int64_t groups) {
  PartResult result;
  result.query.matching_groups = groups;
  result.query.matching_group_rows = rows;
  result.scanned_rows = rows;
  result.scanned_groups = groups;
  return result;
}

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
  if (query.UsesTime() && !part.has_time()) {
    return Status::Invalid(
        "internal error: the part was read without its timestamps, which the "
        "query needs");
  }
  return Executor(part, query, options).Run();
}

}  // namespace frocket::engine
