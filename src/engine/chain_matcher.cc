// How the chain matcher decides (DESIGN.md §3b, "Chains").
//
// The scan keeps every row that matches a positive or an exclusion step, with bits saying
// which; at the end the rows are put group by group (still in timestamp order). A chain's rows
// share the values of the held-constant columns, so each group is decided per combination of
// those values, its exclusion rows shared by all.
//
// Order "ordered" and "strict": positive steps are decided in turn by a dynamic programme over
// the rows. latest[r] = the latest start (first row's timestamp) of a valid chain whose row at
// the current step is r; the latest start is the one that best keeps the window. A chain
// extends from row a to row r iff ts(a) < ts(r) and ts(a) is at least each of: ts(r) minus the
// step's gap, the last excluded row before r, and (strict) the last timestamp of the group
// before r. Those lower bounds only grow with r, so r's possible predecessors are a range
// sliding forward in time and the latest start over them is a sliding maximum (a deque). The
// window holds iff ts(r) minus that start is within maxDuration. A trailing exclusion with a
// window forbids rows up to start + maxDuration, which the latest start does not decide: where
// it fails, the starts are tried one by one.
//
// Order "any": steps 1..i reached iff they can be matched to distinct rows (augmenting paths),
// all rows within one window of maxDuration when set.
#include "engine/chain_matcher.h"

#include <algorithm>
#include <array>
#include <bit>
#include <deque>
#include <limits>
#include <optional>
#include <span>
#include <type_traits>

#include "engine/predicate.h"
#include "engine/sequence_time.h"
#include "table/part.h"

namespace frocket::engine {

namespace {

using query::SequenceOrder;

// a - b, saturated at the lowest value.
template <typename T>
T MinusSaturated(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    const __int128 d = static_cast<__int128>(a) - b;
    return d < std::numeric_limits<T>::lowest() ? std::numeric_limits<T>::lowest()
                                                : static_cast<T>(d);
  } else {
    return a - b;
  }
}

template <typename T>
class ChainMatcher final : public SequenceMatcher {
 public:
  ChainMatcher(const PartScan& scan, const query::Sequence& sequence,
               const std::vector<int>& step_predicates, const T* times, bool want_chains,
               ChainTies ties)
      : scan_(scan), times_(times), order_(sequence.order), ties_(ties), reached_(scan.groups, 0) {
    // Positive step j is bit j; the exclusions between positive steps j - 1 and j are bit
    // k + j - 1 (1 <= j < k); trailing exclusions are bit 2k - 1.
    for (size_t i = 0; i < sequence.steps.size(); ++i) {
      if (sequence.steps[i].row_found) ++k_;
    }
    bit_predicates_.resize(2 * k_);
    gap_.resize(k_);
    size_t positive = 0;
    for (size_t i = 0; i < sequence.steps.size(); ++i) {
      const query::SequenceStep& step = sequence.steps[i];
      if (step.row_found) {
        bit_predicates_[positive].push_back(step_predicates[i]);
        if (step.max_gap) gap_[positive] = DurationFromLiteral<T>(*step.max_gap);
        ++positive;
      } else {
        // After positive step `positive - 1`: before step `positive`, or trailing.
        bit_predicates_[k_ + positive - 1].push_back(step_predicates[i]);
        has_trailing_ |= positive == k_;
      }
    }
    for (size_t j = 1; j <= k_; ++j) has_exclusions_ |= !bit_predicates_[k_ + j - 1].empty();
    words_ = (2 * k_ + 63) / 64;
    if (sequence.max_duration) window_ = DurationFromLiteral<T>(*sequence.max_duration);
    for (const std::string& column : sequence.hold_constant) {
      const table::ValueCodes& codes = scan.part.Codes(column);
      hold_codes_.push_back(codes.codes());
      hold_nulls_.push_back(codes.num_values());
    }
    if (order_ == SequenceOrder::kStrict) seen_.assign(scan.groups, {kNone, kNone});
    excluded_.resize(k_ + 1);
    if (want_chains) chain_rows_.assign(scan.groups * k_, -1);
    // Room for every row of the scan: pages are only touched as rows are kept, and the
    // vectors never move.
    const auto rows = static_cast<size_t>(scan.end - scan.begin);
    entries_.reserve(rows);
    if (order_ == SequenceOrder::kStrict) entry_prev_.reserve(rows);
    if (words_ > 1) entry_words_.reserve(rows * words_);
  }

  void Update(const BatchMasks& masks, int64_t batch, int64_t n) override {
    const size_t w = words_;
    batch_words_.assign(static_cast<size_t>(n) * w, 0);
    for (size_t bit = 0; bit < bit_predicates_.size(); ++bit) {
      const size_t word = bit / 64;
      const int shift = static_cast<int>(bit % 64);
      for (int p : bit_predicates_[bit]) {
        const uint8_t* mask = masks[static_cast<size_t>(p)].data();
        for (int64_t i = 0; i < n; ++i) {
          batch_words_[static_cast<size_t>(i) * w + word] |= uint64_t{mask[i]} << shift;
        }
      }
    }
    const int32_t* ord = scan_.ordinals;
    const bool strict = order_ == SequenceOrder::kStrict;
    for (int64_t i = 0; i < n; ++i) {
      const int64_t row = batch + i;
      const int32_t g = ord[row];
      const T t = times_[row];
      T before = kNone;
      if (strict) {
        // The group's latest timestamp before this row's.
        SeenTimes& seen = seen_[static_cast<size_t>(g)];
        if (seen.last != t) seen = {t, seen.last};
        before = seen.before;
      }
      const uint64_t* bits = &batch_words_[static_cast<size_t>(i) * w];
      uint64_t any = 0;
      for (size_t x = 0; x < w; ++x) any |= bits[x];
      if (any == 0) continue;
      entries_.push_back({t, bits[0], static_cast<int32_t>(row), g});
      if (strict) entry_prev_.push_back(before);
      if (w > 1) entry_words_.insert(entry_words_.end(), bits, bits + w);
    }
  }

  void Finish() override {
    // The entries group by group, each group's in timestamp order (a stable counting sort).
    std::vector<uint32_t> offsets(scan_.groups + 1, 0);
    for (const Row& r : entries_) ++offsets[static_cast<size_t>(r.group) + 1];
    for (size_t g = 0; g < scan_.groups; ++g) offsets[g + 1] += offsets[g];
    // The rows themselves are moved, so that each group's are then read in one sweep.
    std::vector<Row> sorted(entries_.size());
    const bool strict = !entry_prev_.empty();
    if (strict) prev_.resize(entries_.size());
    if (words_ > 1) more_words_.resize(entries_.size() * words_);
    {
      std::vector<uint32_t> next(offsets.begin(), offsets.end() - 1);
      for (size_t e = 0; e < entries_.size(); ++e) {
        const size_t to = next[static_cast<size_t>(entries_[e].group)]++;
        sorted[to] = entries_[e];
        if (!hold_codes_.empty()) sorted[to].group = hold_codes_[0][entries_[e].part_row];
        if (strict) prev_[to] = entry_prev_[e];
        if (words_ > 1) {
          std::copy_n(&entry_words_[e * words_], words_, &more_words_[to * words_]);
        }
      }
    }
    std::vector<Row>().swap(entries_);
    std::vector<T>().swap(entry_prev_);
    std::vector<uint64_t>().swap(entry_words_);
    for (size_t g = 0; g < scan_.groups; ++g) {
      if (offsets[g] == offsets[g + 1]) continue;
      rows_offset_ = offsets[g];
      reached_[g] = static_cast<uint8_t>(
          SolveGroup(std::span<const Row>(&sorted[offsets[g]], offsets[g + 1] - offsets[g]), g));
    }
    std::vector<T>().swap(prev_);
    std::vector<uint64_t>().swap(more_words_);
  }

  const std::vector<uint8_t>& reached() const override { return reached_; }
  size_t steps() const override { return k_; }
  const std::vector<int32_t>& chain_rows() const override { return chain_rows_; }

 private:
  static constexpr T kNone = std::numeric_limits<T>::lowest();

  // A row that matched a positive or an exclusion step (24 bytes: the scan may keep many).
  struct Row {
    T ts;
    uint64_t bits0;  // bits 0..63; more in more_words_, at the row's index
    int32_t part_row;
    int32_t group;  // once rows are group by group, the first held column's code
  };
  struct SeenTimes {
    T last;
    T before;
  };

  bool Has(const Row& r, size_t bit) const {
    if (bit < 64) return (r.bits0 >> bit) & 1;
    const size_t index = static_cast<size_t>(&r - rows_.data()) + rows_offset_;
    return (more_words_[index * words_ + bit / 64] >> (bit % 64)) & 1;
  }
  bool HasPositive(const Row& r) const {
    for (size_t j = 0; j < k_; ++j) {
      if (Has(r, j)) return true;
    }
    return false;
  }
  // Held values: the first column's code is in Row::group once rows are group by group.
  bool HoldIsNull(const Row& r) const {
    if (r.group == hold_nulls_[0]) return true;
    for (size_t c = 1; c < hold_codes_.size(); ++c) {
      if (hold_codes_[c][r.part_row] == hold_nulls_[c]) return true;
    }
    return false;
  }
  bool HoldLess(const Row& a, const Row& b) const {
    if (a.group != b.group) return a.group < b.group;
    for (size_t c = 1; c < hold_codes_.size(); ++c) {
      const int32_t* codes = hold_codes_[c];
      if (codes[a.part_row] != codes[b.part_row]) return codes[a.part_row] < codes[b.part_row];
    }
    return false;
  }

  // The number of positive steps the group reaches, from its collected rows.
  size_t SolveGroup(std::span<const Row> rows, size_t group) {
    rows_ = rows;
    if (has_exclusions_) {
      for (size_t j = 1; j <= k_; ++j) {
        excluded_[j].clear();
        if (bit_predicates_[k_ + j - 1].empty()) continue;
        for (const Row& r : rows_) {
          if (Has(r, k_ + j - 1)) excluded_[j].push_back(r.ts);
        }
      }
    }
    candidates_.clear();
    for (uint32_t i = 0; i < rows_.size(); ++i) {
      if (HasPositive(rows_[i]) && (hold_codes_.empty() || !HoldIsNull(rows_[i]))) {
        candidates_.push_back(i);
      }
    }
    if (!hold_codes_.empty()) {
      // By held values, then time (the index): a partition's rows stay in time order.
      std::sort(candidates_.begin(), candidates_.end(), [&](uint32_t a, uint32_t b) {
        if (HoldLess(rows_[a], rows_[b])) return true;
        return !HoldLess(rows_[b], rows_[a]) && a < b;
      });
    }
    // A chain is wanted from the partition that has the first one: all must be seen.
    const bool chains = !chain_rows_.empty();
    size_t depth = 0;
    partitions_.clear();
    for (size_t begin = 0; begin < candidates_.size() && (chains || depth < k_);) {
      size_t end = begin + 1;
      while (end < candidates_.size() &&
             !HoldLess(rows_[candidates_[begin]], rows_[candidates_[end]])) {
        ++end;
      }
      SetPartition(begin, end);
      const size_t reached = order_ == SequenceOrder::kAny ? AnyDepth() : OrderedDepth();
      partitions_.push_back({begin, end, reached});
      depth = std::max(depth, reached);
      begin = end;
    }
    if (chains && depth > 0) ChooseChain(depth, group);
    return depth;
  }

  void SetPartition(size_t begin, size_t end) {
    partition_.assign(candidates_.begin() + static_cast<std::ptrdiff_t>(begin),
                      candidates_.begin() + static_cast<std::ptrdiff_t>(end));
  }

  // The group's chain for its deepest step (DESIGN.md §3b): of all valid chains reaching it,
  // the first by (ts(r_e), ts(r_0), ts(r_1), ..., ts(r_e-1)), over every partition.
  void ChooseChain(size_t depth, size_t group) {
    const size_t e = depth - 1;
    bool found = false;
    for (const Partition& partition : partitions_) {
      if (partition.depth != depth) continue;
      SetPartition(partition.begin, partition.end);
      if (!PartitionChain(e)) continue;
      auto key = [&](const std::vector<T>& times) {
        std::vector<T> k{times[e]};
        k.insert(k.end(), times.begin(), times.begin() + static_cast<std::ptrdiff_t>(e));
        return k;
      };
      // Equal timestamps: the least rank at the attribution step.
      if (found && (key(best_times_) < key(chain_times_) ||
                    (key(best_times_) == key(chain_times_) &&
                     AttributionRank(chain_picks_, e) >= AttributionRank(best_rows_, e)))) {
        continue;
      }
      found = true;
      best_times_ = chain_times_;
      best_rows_ = chain_picks_;
    }
    if (!found) return;  // cannot be: the depth was reached by a chain
    for (size_t j = 0; j <= e; ++j) chain_rows_[group * k_ + j] = best_rows_[j];
  }

  // The rank of a chain's row at the attribution step (all alike without ties to break).
  uint32_t AttributionRank(const std::vector<int32_t>& rows, size_t e) const {
    if (!ties_.active()) return 0;
    const size_t a =
        ties_.attribution == ChainTies::kDeepest ? e : static_cast<size_t>(ties_.attribution);
    return a <= e ? ties_.Rank(rows[a]) : 0;
  }

  // Among the positions from `first` at the same time as it that `ok` accepts, the one whose
  // row ranks least (the first without ties to break).
  template <typename Ok>
  size_t LeastRanked(size_t first, size_t last, Ok ok) const {
    size_t pick = first;
    if (!ties_.active()) return pick;
    const T t = rows_[partition_[first]].ts;
    for (size_t p = first + 1; p < last && rows_[partition_[p]].ts == t; ++p) {
      if (ok(p) && ties_.Rank(rows_[partition_[p]].part_row) <
                       ties_.Rank(rows_[partition_[pick]].part_row)) {
        pick = p;
      }
    }
    return pick;
  }

  // Over partition_, reaching step e: the first chain's timestamps into chain_times_ and a
  // part row per step into chain_picks_ (equal timestamps: the least-ranked rows); false if
  // there is no chain.
  bool PartitionChain(size_t e) {
    const size_t m = partition_.size();
    auto ts = [&](size_t p) { return rows_[partition_[p]].ts; };
    // The earliest end: the rows the programme finds valid at step e (with a trailing exclusion
    // under a window, valid from some start — the starts are tried one by one).
    const bool trailing = has_trailing_ && e + 1 == k_;
    std::optional<T> end_time;
    auto take_ends = [&] {
      for (size_t p = 0; p < m; ++p) {
        if (previous_[p] && (!end_time || ts(p) < *end_time)) end_time = ts(p);
      }
    };
    bool blocked = false;
    if (ChainDepth(std::nullopt, &blocked, e) > e) take_ends();
    if (trailing && window_) {
      std::optional<T> tried;
      for (size_t p = 0; p < m; ++p) {
        if (!Has(rows_[partition_[p]], 0) || tried == ts(p)) continue;
        tried = ts(p);
        if (ChainDepth(ts(p), &blocked, e) > e) take_ends();
      }
    }
    if (!end_time) return false;
    const T end = *end_time;
    // The start's range: within the window of the end, and (trailing exclusion under a window)
    // early enough that the window closes before the next excluded row.
    T lo = window_ ? MinusSaturated(end, *window_) : std::numeric_limits<T>::lowest();
    std::optional<T> hi;  // exclusive
    if (trailing && window_) {
      const std::vector<T>& after_rows = excluded_[k_];
      auto after = std::upper_bound(after_rows.begin(), after_rows.end(), end);
      if (after != after_rows.end()) hi = MinusSaturated(*after, *window_);
    }
    // can_[j * m + p]: row p can be the chain's row at step j on the way to the end.
    can_.assign((e + 1) * m, 0);
    for (size_t p = 0; p < m; ++p) can_[e * m + p] = Has(rows_[partition_[p]], e) && ts(p) == end;
    for (size_t j = e; j-- > 0;) {
      Lows(j + 1);
      prefix_.assign(m + 1, 0);
      for (size_t c = 0; c < m; ++c) prefix_[c + 1] = prefix_[c] + can_[(j + 1) * m + c];
      for (size_t a = 0; a < m; ++a) {
        if (!Has(rows_[partition_[a]], j)) continue;
        const auto [first, last] = Successors(ts(a), j + 1);
        can_[j * m + a] = last > first && prefix_[last] > prefix_[first];
      }
    }
    // Forward, earliest first: the start, then each step's earliest row leading to the end.
    chain_times_.assign(e + 1, T{});
    chain_picks_.assign(e + 1, -1);
    size_t pick = m;
    auto start_ok = [&](size_t a) { return can_[a] && ts(a) >= lo && (!hi || ts(a) < *hi); };
    for (size_t a = 0; a < m && pick == m; ++a) {
      if (start_ok(a)) pick = a;
    }
    if (pick == m) return false;
    pick = LeastRanked(pick, m, start_ok);
    chain_times_[0] = ts(pick);
    chain_picks_[0] = rows_[partition_[pick]].part_row;
    for (size_t j = 1; j <= e; ++j) {
      Lows(j);
      const auto [first, last] = Successors(chain_times_[j - 1], j);
      pick = m;
      auto step_ok = [&](size_t c) { return can_[j * m + c] && Has(rows_[partition_[c]], j); };
      for (size_t c = first; c < last && pick == m; ++c) {
        if (step_ok(c)) pick = c;
      }
      if (pick == m) return false;
      pick = LeastRanked(pick, last, step_ok);
      chain_times_[j] = ts(pick);
      chain_picks_[j] = rows_[partition_[pick]].part_row;
    }
    return true;
  }

  // low_[c]: the least timestamp of a row before row c at step j, but for the gap: the last
  // excluded row before it and (strict) the group's last timestamp before it. Grows with c.
  void Lows(size_t j) {
    const size_t m = partition_.size();
    low_.assign(m, std::numeric_limits<T>::lowest());
    const std::vector<T>& excluded = excluded_[j];
    size_t next = 0;
    for (size_t c = 0; c < m; ++c) {
      const T t = rows_[partition_[c]].ts;
      while (next < excluded.size() && excluded[next] < t) ++next;
      if (next > 0) low_[c] = excluded[next - 1];
      if (!prev_.empty()) low_[c] = std::max(low_[c], prev_[rows_offset_ + partition_[c]]);
    }
  }

  // The positions [first, last) of partition_ that a row at time t at step j - 1 may be
  // followed by at step j, as far as time goes (needs low_ for step j).
  std::pair<size_t, size_t> Successors(T t, size_t j) const {
    const size_t m = partition_.size();
    auto ts = [&](size_t p) { return rows_[partition_[p]].ts; };
    size_t first = 0, last = m;
    // Later than t.
    {
      size_t lo = 0, hi = m;
      while (lo < hi) {
        const size_t mid = (lo + hi) / 2;
        if (ts(mid) > t)
          hi = mid;
        else
          lo = mid + 1;
      }
      first = lo;
    }
    // Within the gap, and with no excluded row (nor, strict, any row) between.
    {
      size_t lo = first, hi = m;
      while (lo < hi) {
        const size_t mid = (lo + hi) / 2;
        const bool ok = (!gap_[j] || Within(ts(mid), t, *gap_[j])) && low_[mid] <= t;
        if (ok)
          lo = mid + 1;
        else
          hi = mid;
      }
      last = lo;
    }
    return {first, last};
  }

  size_t OrderedDepth() {
    bool trailing_blocked = false;
    const size_t depth = ChainDepth(std::nullopt, &trailing_blocked, k_ - 1);
    if (!trailing_blocked || !window_) return depth;
    // The latest starts were stopped by the trailing exclusion; an earlier start forbids less.
    std::optional<T> tried;
    for (size_t p = 0; p < partition_.size(); ++p) {
      const Row& r = rows_[partition_[p]];
      if (!Has(r, 0) || tried == r.ts) continue;
      tried = r.ts;
      bool blocked = false;
      if (ChainDepth(r.ts, &blocked, k_ - 1) == k_) return k_;
    }
    return depth;
  }

  // The depth reached by chains over partition_ (starting exactly at `only_start` when set),
  // up to step last_step; previous_ then holds the latest starts at step depth - 1.
  // *trailing_blocked: the last step was reached but every such row was then excluded.
  size_t ChainDepth(std::optional<T> only_start, bool* trailing_blocked, size_t last_step) {
    const size_t m = partition_.size();
    auto ts = [&](size_t p) { return rows_[partition_[p]].ts; };
    previous_.assign(m, std::nullopt);
    current_.assign(m, std::nullopt);
    size_t depth = 0;
    for (size_t j = 0; j <= last_step; ++j) {
      bool any = false;
      if (j == 0) {
        for (size_t p = 0; p < m; ++p) {
          if (Has(rows_[partition_[p]], 0) && (!only_start || ts(p) == *only_start)) {
            current_[p] = ts(p);
          }
        }
      } else {
        deque_.clear();
        const std::vector<T>& excluded = excluded_[j];
        size_t added = 0, next_excluded = 0;
        for (size_t p = 0; p < m; ++p) {
          const T t = ts(p);
          for (; added < m && ts(added) < t; ++added) {
            if (!previous_[added]) continue;
            const T start = *previous_[added];
            while (!deque_.empty() && deque_.back().second <= start) deque_.pop_back();
            deque_.emplace_back(added, start);
          }
          const Row& r = rows_[partition_[p]];
          if (!Has(r, j)) continue;
          T low = std::numeric_limits<T>::lowest();
          if (gap_[j]) low = std::max(low, MinusSaturated(t, *gap_[j]));
          while (next_excluded < excluded.size() && excluded[next_excluded] < t) ++next_excluded;
          if (next_excluded > 0) low = std::max(low, excluded[next_excluded - 1]);
          if (!prev_.empty()) low = std::max(low, prev_[rows_offset_ + partition_[p]]);
          while (!deque_.empty() && ts(deque_.front().first) < low) deque_.pop_front();
          if (deque_.empty()) continue;
          const T start = deque_.front().second;
          if (!window_ || Within(t, start, *window_)) current_[p] = start;
        }
      }
      if (j + 1 == k_ && has_trailing_) {
        bool before = false;
        for (size_t p = 0; p < m; ++p) {
          if (!current_[p]) continue;
          before = true;
          if (!TrailingAllows(ts(p), *current_[p])) current_[p].reset();
        }
        for (size_t p = 0; p < m && !any; ++p) any = current_[p].has_value();
        *trailing_blocked = before && !any;
      } else {
        for (size_t p = 0; p < m && !any; ++p) any = current_[p].has_value();
      }
      if (!any) break;
      depth = j + 1;
      std::swap(previous_, current_);
      std::fill(current_.begin(), current_.end(), std::nullopt);
    }
    return depth;
  }

  // Whether a chain ending at `end` and starting at `start` has no trailing excluded row after
  // its end (up to start + maxDuration with a window).
  bool TrailingAllows(T end, T start) const {
    const std::vector<T>& trailing = excluded_[k_];
    auto after = std::upper_bound(trailing.begin(), trailing.end(), end);
    if (after == trailing.end()) return true;
    return window_ && !Within(*after, start, *window_);
  }

  size_t AnyDepth() {
    const size_t m = partition_.size();
    if (!window_) return MatchedSteps(0, m);
    size_t best = 0;
    size_t last = 0;
    for (size_t first = 0; first < m && best < k_; ++first) {
      const T start = rows_[partition_[first]].ts;
      if (first > 0 && rows_[partition_[first - 1]].ts == start) continue;
      last = std::max(last, first);
      while (last < m && Within(rows_[partition_[last]].ts, start, *window_)) ++last;
      best = std::max(best, MatchedSteps(first, last));
    }
    return best;
  }

  // The most steps 1..i matched to distinct rows among partition_[first, last).
  size_t MatchedSteps(size_t first, size_t last) {
    row_step_.assign(last - first, -1);
    for (size_t j = 0; j < k_; ++j) {
      visited_.assign(last - first, 0);
      if (!Augment(j, first, last)) return j;
    }
    return k_;
  }

  bool Augment(size_t step, size_t first, size_t last) {
    for (size_t p = first; p < last; ++p) {
      const size_t i = p - first;
      if (visited_[i] || !Has(rows_[partition_[p]], step)) continue;
      visited_[i] = 1;
      if (row_step_[i] < 0 || Augment(static_cast<size_t>(row_step_[i]), first, last)) {
        row_step_[i] = static_cast<int>(step);
        return true;
      }
    }
    return false;
  }

  const PartScan& scan_;
  const T* times_;
  const SequenceOrder order_;
  const ChainTies ties_;
  size_t k_ = 0;
  std::vector<std::vector<int>> bit_predicates_;
  std::vector<std::optional<T>> gap_;  // per positive step (none for the first)
  std::optional<T> window_;
  bool has_exclusions_ = false;
  bool has_trailing_ = false;
  std::vector<const int32_t*> hold_codes_;
  std::vector<int32_t> hold_nulls_;
  size_t words_ = 1;
  std::vector<uint8_t> reached_;

  std::vector<SeenTimes> seen_;  // strict only: per group

  // The collected rows in scan order: each, strict: the group's latest timestamp before it
  // (kNone if none), and its bits when there are more than 64.
  std::vector<Row> entries_;
  std::vector<T> entry_prev_;
  std::vector<uint64_t> entry_words_;
  std::vector<uint64_t> batch_words_;
  // The same, group by group.
  std::vector<T> prev_;
  std::vector<uint64_t> more_words_;

  std::vector<int32_t> chain_rows_;  // when wanted: groups x k

  // One group's work, kept between groups to reuse the memory.
  struct Partition {
    size_t begin, end;  // in candidates_
    size_t depth;
  };
  std::vector<Partition> partitions_;
  std::vector<uint8_t> can_;
  std::vector<uint32_t> prefix_;
  std::vector<T> low_;
  std::vector<T> chain_times_, best_times_;
  std::vector<int32_t> chain_picks_, best_rows_;
  std::span<const Row> rows_;
  size_t rows_offset_ = 0;                // of rows_ in the rows group by group
  std::vector<std::vector<T>> excluded_;  // [j]: timestamps of rows excluded before step j
  std::vector<uint32_t> candidates_;
  std::vector<uint32_t> partition_;
  std::vector<std::optional<T>> previous_, current_;
  std::deque<std::pair<size_t, T>> deque_;
  std::vector<int> row_step_;
  std::vector<uint8_t> visited_;
};

}  // namespace

Result<std::unique_ptr<SequenceMatcher>> MakeChainMatcher(const PartScan& scan,
                                                          const query::Sequence& sequence,
                                                          const std::vector<int>& step_predicates,
                                                          bool want_chains, ChainTies ties) {
  for (const std::string& column : sequence.hold_constant) {
    if (scan.part.FindColumn(column) == nullptr) {
      return Status::Invalid("internal error: held-constant column '" + column + "' not loaded");
    }
  }
  const table::Column& time = scan.part.time_column();
  if (time.type == ColumnType::kFloat) {
    return std::unique_ptr<SequenceMatcher>(std::make_unique<ChainMatcher<double>>(
        scan, sequence, step_predicates, time.floats(), want_chains, ties));
  }
  return std::unique_ptr<SequenceMatcher>(std::make_unique<ChainMatcher<int64_t>>(
      scan, sequence, step_predicates, scan.part.time_keys(), want_chains, ties));
}

}  // namespace frocket::engine
