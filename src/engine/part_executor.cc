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
    return result;
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

  Result<std::unique_ptr<SequenceMatcher>> PrepareSequence(const query::Sequence& s) {
    std::vector<int> steps;
    for (const auto& step : s.steps) {
      FROCKET_ASSIGN_OR_RETURN(int p, AddPredicate(step.predicate));
      steps.push_back(p);
    }
    return MakeSequenceMatcher(scan_, s, std::move(steps));
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
      FROCKET_ASSIGN_OR_RETURN(funnel_, PrepareSequence(q_.funnel->sequence));
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
