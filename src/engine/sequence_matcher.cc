#include "engine/sequence_matcher.h"

#include <array>
#include <limits>

#include "engine/chain_matcher.h"
#include "engine/predicate.h"
#include "engine/streaming_matcher.h"
#include "query/query_parser.h"

namespace frocket::engine {

namespace {

class GreedyMatcher final : public SequenceMatcher {
 public:
  GreedyMatcher(const PartScan& scan, std::vector<int> step_predicates, bool want_chains,
                ChainTies ties)
      : scan_(scan),
        ties_(ties),
        step_predicates_(std::move(step_predicates)),
        reached_(scan.groups, 0),
        reach_time_(scan.groups, 0),
        never_(static_cast<size_t>(CompiledPredicate::kMaxBatch), 0) {
    if (want_chains) chain_rows_.assign(scan.groups * step_predicates_.size(), -1);
  }

  void Update(const BatchMasks& masks, int64_t batch, int64_t n) override {
    if (chain_rows_.empty()) {
      UpdateRows<false>(masks, batch, n);
    } else {
      UpdateRows<true>(masks, batch, n);
    }
  }

  const std::vector<uint8_t>& reached() const override { return reached_; }
  size_t steps() const override { return step_predicates_.size(); }
  const std::vector<int32_t>& chain_rows() const override { return chain_rows_; }

 private:
  // kChains: each advance also notes its row (the greedy chain is §3b's chosen chain).
  template <bool kChains>
  void UpdateRows(const BatchMasks& masks, int64_t batch, int64_t n) {
    const size_t k = step_predicates_.size();
    // A group's step is a byte: the parser allows at most query::kMaxSteps (< 255).
    static_assert(query::kMaxSteps < 255);
    std::array<const uint8_t*, query::kMaxSteps + 1> step_mask;
    for (size_t i = 0; i < k; ++i) {
      step_mask[i] = masks[static_cast<size_t>(step_predicates_[i])].data();
    }
    step_mask[k] = never_.data();  // a group past the last step never advances
    const int32_t* ord = scan_.ordinals + batch;
    const int64_t* t = scan_.part.time_keys() + batch;
    uint8_t* reached = reached_.data();
    int64_t* reach_time = reach_time_.data();
    for (int64_t i = 0; i < n; ++i) {
      const int32_t g = ord[i];
      const uint8_t at = reached[g];
      if (step_mask[at][i] && (at == 0 || t[i] > reach_time[g])) {
        reached[g] = static_cast<uint8_t>(at + 1);
        reach_time[g] = t[i];
        if constexpr (kChains) {
          chain_rows_[static_cast<size_t>(g) * k + at] = static_cast<int32_t>(batch + i);
        }
      } else if constexpr (kChains) {
        // Another row at the time of the group's last step, matching it: the chain may take
        // it instead (only that step can have such rows: later rows are never earlier).
        if (at > 0 && t[i] == reach_time[g] && step_mask[at - 1][i] && ties_.active()) {
          int32_t& row = chain_rows_[static_cast<size_t>(g) * k + at - 1];
          const auto candidate = static_cast<int32_t>(batch + i);
          if (ties_.Rank(candidate) < ties_.Rank(row)) row = candidate;
        }
      }
    }
  }

  const PartScan& scan_;
  const ChainTies ties_;
  std::vector<int> step_predicates_;
  std::vector<uint8_t> reached_;
  std::vector<int64_t> reach_time_;  // the time key of the row that took the group to its step
  std::vector<uint8_t> never_;       // no row matches
  std::vector<int32_t> chain_rows_;  // when wanted: groups x steps
};

}  // namespace

Result<std::unique_ptr<SequenceMatcher>> MakeSequenceMatcher(const PartScan& scan,
                                                             const query::Sequence& sequence,
                                                             std::vector<int> step_predicates,
                                                             bool want_chains, ChainTies ties) {
  if (step_predicates.size() != sequence.steps.size()) {
    return Status::Invalid("internal error: a predicate per sequence step is needed");
  }
  // Matchers note rows and times in 32 bits.
  if ((want_chains || sequence.HasConstraints()) &&
      scan.part.num_rows() > std::numeric_limits<int32_t>::max()) {
    return Status::Invalid("a part of more than 2^31 rows is too large for " +
                           std::string(want_chains ? "chains" : "a constrained sequence"));
  }
  if (sequence.HasConstraints()) {
    if (StreamingMatcherDecides(sequence, want_chains)) {
      return MakeStreamingMatcher(scan, sequence, step_predicates);
    }
    return MakeChainMatcher(scan, sequence, step_predicates, want_chains, ties);
  }
  return std::unique_ptr<SequenceMatcher>(
      std::make_unique<GreedyMatcher>(scan, std::move(step_predicates), want_chains, ties));
}

}  // namespace frocket::engine
