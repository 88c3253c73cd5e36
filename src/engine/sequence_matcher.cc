#include "engine/sequence_matcher.h"

#include <array>

#include "engine/chain_matcher.h"
#include "engine/predicate.h"
#include "query/query_parser.h"

namespace frocket::engine {

namespace {

class GreedyMatcher final : public SequenceMatcher {
 public:
  GreedyMatcher(const PartScan& scan, std::vector<int> step_predicates)
      : scan_(scan),
        step_predicates_(std::move(step_predicates)),
        reached_(scan.groups, 0),
        reach_time_(scan.groups, 0),
        never_(static_cast<size_t>(CompiledPredicate::kMaxBatch), 0) {}

  void Update(const BatchMasks& masks, int64_t batch, int64_t n) override {
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
      }
    }
  }

  const std::vector<uint8_t>& reached() const override { return reached_; }
  size_t steps() const override { return step_predicates_.size(); }

 private:
  const PartScan& scan_;
  std::vector<int> step_predicates_;
  std::vector<uint8_t> reached_;
  std::vector<int64_t> reach_time_;  // the time key of the row that took the group to its step
  std::vector<uint8_t> never_;       // no row matches
};

}  // namespace

Result<std::unique_ptr<SequenceMatcher>> MakeSequenceMatcher(const PartScan& scan,
                                                             const query::Sequence& sequence,
                                                             std::vector<int> step_predicates) {
  if (sequence.HasConstraints()) return MakeChainMatcher(scan, sequence, step_predicates);
  return std::unique_ptr<SequenceMatcher>(
      std::make_unique<GreedyMatcher>(scan, std::move(step_predicates)));
}

}  // namespace frocket::engine
