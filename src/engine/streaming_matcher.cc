// How the streaming matcher decides (DESIGN.md §3b, "Chains"), in the scan, group state only.
//
// Per group and positive step j before the last, latest[j] is the latest start among the live
// chains whose row at step j is earlier than the group's record time (the time of its last
// row matching a step after the first), and pending[j] the same for rows at the record time.
// When the group's record time moves on, the pending chains join the live ones ("strict":
// replace them, as no chain may skip a timestamp). The latest start is the one that best
// keeps the window, and an exclusion ends all chains before it alike, so one number per step
// suffices.
//
// Every row notes its time in one field of its group's record, by kind: of the first step,
// excluded after the first step, excluded after middle step j, or of no kind (the spare
// field) — and only once the part's time has moved past the row's (rows followed by one at
// the same time wait in a list). So each field holds the last time of its kind before the
// current one, which is what a row of a later step asks: it starts a chain from the last
// first-step time unless an excluded row came after it (strict: unless the group's last time,
// the latest of the fields, is another), and a middle step's exclusions end chains when the
// record time moves on — the live ones if the last excluded time is at or after the record
// time, the pending ones if it is after.
//
// What decides the speed (measured: bench/funnel_extensions.sh): everything of a group is in
// one record of at most a cache line, and a group's rows come in bursts (visits), so its line
// is mostly still cached at its next row; a row's note is a store without a load; and which
// field a row writes is chosen for the whole batch beforehand, vectorised, so the scan does
// not branch on a row's kind (first-step rows and others come at random: a mispredicted
// branch costs more than the write). Measured and dropped: the notes in a separate narrower
// array; records of 32-bit time ids (ranks of the times in the scan), half as wide, the window
// kept as the least id within it — no faster, a record's width is not what costs; rows of no
// kind writing to the sink instead of their group's record — slower.

#include "engine/streaming_matcher.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>

#include "engine/predicate.h"
#include "engine/sequence_time.h"
#include "table/part.h"

namespace frocket::engine {

namespace {

using query::SequenceOrder;

// A record's fields are numbered in a byte: at most 3 per middle step and 8 others.
constexpr size_t kMaxSteps = 32;
static_assert(3 * kMaxSteps + 8 < 256);

// Whether exclusion step i is trailing: no positive step after it.
bool IsTrailing(const query::Sequence& sequence, size_t i) {
  for (size_t x = i + 1; x < sequence.steps.size(); ++x) {
    if (sequence.steps[x].row_found) return false;
  }
  return true;
}

template <typename T>
class StreamingMatcher final : public SequenceMatcher {
 public:
  StreamingMatcher(const PartScan& scan, const query::Sequence& sequence,
                   const std::vector<int>& step_predicates, const T* times)
      : scan_(scan), times_(times), strict_(sequence.order == SequenceOrder::kStrict) {
    SortSteps(sequence, step_predicates);
    if (sequence.max_duration) window_ = DurationFromLiteral<T>(*sequence.max_duration);
    LayOutRecords();
  }

  void Update(const BatchMasks& masks, int64_t batch, int64_t n) override {
    PrepareBatch(masks, n);
    ScanBatch(batch, n);
  }

  void Finish() override {
    held_.Write(now_);
    const bool completes_at_first = k_ == 1 && trailing_at_ != kAbsent;  // decided below
    reached_.resize(scan_.groups);
    for (size_t g = 0; g < scan_.groups; ++g) {
      const uint64_t* r = Record(g);
      reached_[g] = static_cast<uint8_t>(r[flags_at_] >> kReachedShift);
      if (reached_[g] == 0 && Time(r, first_at_) != kNone && !completes_at_first) reached_[g] = 1;
      // A completion counts if no trailing excluded row is after it.
      if (trailing_at_ != kAbsent && Time(r, completion_at_) != kNone &&
          Time(r, trailing_at_) <= Time(r, completion_at_)) {
        reached_[g] = static_cast<uint8_t>(k_);
      }
    }
  }

  const std::vector<uint8_t>& reached() const override { return reached_; }
  size_t steps() const override { return k_; }
  const std::vector<int32_t>& chain_rows() const override { return no_chains_; }

 private:
  static constexpr T kNone = std::numeric_limits<T>::lowest();
  static constexpr size_t kAbsent = ~size_t{0};  // a field the query's record does not have
  // The flags field: whether any chain is pending, whether any is live, the steps reached.
  static constexpr uint64_t kPending = 1;
  static constexpr uint64_t kLive = 2;
  static constexpr int kReachedShift = 8;
  static constexpr size_t kLineWords = 8;  // a cache line

  // The writes waiting for the part's time to move past the rows that set them.
  class HeldWrites {
   public:
    bool any() const { return !slots_.empty(); }
    void Push(uint64_t* slot) { slots_.push_back(slot); }
    void Write(T time) {
      for (uint64_t* slot : slots_) *slot = Bits(time);
      slots_.clear();
    }

   private:
    std::vector<uint64_t*> slots_;
  };

  static uint64_t Bits(T v) { return std::bit_cast<uint64_t>(v); }
  static T Time(const uint64_t* record, size_t field) { return std::bit_cast<T>(record[field]); }

  // `g` if `yes` (0 or 1), else the sink, without a branch.
  size_t Select(uint8_t yes, size_t g) const {
    const size_t sink = scan_.groups;
    return sink + ((g - sink) & (size_t{0} - yes));
  }
  uint64_t* Record(size_t g) { return records_ + g * stride_; }
  const uint64_t* Record(size_t g) const { return records_ + g * stride_; }

  // Sorts the steps into positive ones, exclusions after the first, after a middle step and
  // trailing.
  void SortSteps(const query::Sequence& sequence, const std::vector<int>& step_predicates) {
    for (size_t i = 0; i < sequence.steps.size(); ++i) {
      const int predicate = step_predicates[i];
      if (sequence.steps[i].row_found) {
        positive_.push_back(predicate);
      } else if (IsTrailing(sequence, i)) {
        trailing_.push_back(predicate);
      } else if (positive_.size() == 1) {
        after_first_.push_back(predicate);
      } else {
        // After middle step positive_.size() - 1: its slot.
        middle_exclusions_.emplace_back(predicate, positive_.size() - 2);
      }
    }
    k_ = positive_.size();
    middle_ = k_ >= 2 ? k_ - 2 : 0;
  }

  // A record per group, and one more, the sink: written for rows not of a kind. Its fields
  // are those the query needs, in a cache line where they fit: the rows of a group come in
  // bursts (visits), so the line of a group's record is mostly still cached at its next row.
  void LayOutRecords() {
    size_t words = 0;
    auto field = [&](bool wanted, size_t width = 1) {
      if (!wanted) return kAbsent;
      words += width;
      return words - width;
    };
    first_at_ = field(true);
    cut_at_ = field(!after_first_.empty());
    excluded_at_ = field(!middle_exclusions_.empty(), middle_);
    time_at_ = field(k_ >= 2);
    flags_at_ = field(true);
    latest_at_ = field(middle_ > 0, middle_);
    pending_at_ = field(middle_ > 0, middle_);
    completion_at_ = field(!trailing_.empty());
    trailing_at_ = field(!trailing_.empty());
    spare_at_ = field(true);
    stride_ = std::bit_ceil(words);
    if (stride_ > kLineWords) stride_ = (words + kLineWords - 1) / kLineWords * kLineWords;
    const size_t entries = scan_.groups + 1;
    storage_.assign(entries * stride_ + kLineWords, Bits(kNone));
    // Aligned to a cache line, so that a record of up to a line is in one line.
    const auto address = reinterpret_cast<uintptr_t>(storage_.data());
    const size_t skip = (64 - address % 64) % 64 / sizeof(uint64_t);
    records_ = storage_.data() + skip;
    for (size_t g = 0; g < entries; ++g) Record(g)[flags_at_] = 0;
  }

  // The batch's masks: per step, and per row whether it matches a step after the first
  // (relevant), an exclusion after the first step (cut) or a trailing one.
  void PrepareBatch(const BatchMasks& masks, int64_t n) {
    for (size_t j = 0; j < k_; ++j) step_[j] = masks[static_cast<size_t>(positive_[j])].data();
    const auto rows = static_cast<size_t>(n);
    auto any_of = [&](std::vector<uint8_t>& out, auto begin, auto end) {
      out.assign(rows, 0);
      uint8_t* any = out.data();
      for (auto p = begin; p != end; ++p) {
        const uint8_t* mask = masks[static_cast<size_t>(*p)].data();
        for (size_t i = 0; i < rows; ++i) any[i] |= mask[i];
      }
    };
    any_of(relevant_, positive_.begin() + 1, positive_.end());
    any_of(cut_rows_, after_first_.begin(), after_first_.end());
    any_of(trailing_rows_, trailing_.begin(), trailing_.end());
    ends_.clear();
    for (const auto& [predicate, slot] : middle_exclusions_) {
      ends_.emplace_back(masks[static_cast<size_t>(predicate)].data(), slot);
    }
    // Per row, the field its kind writes: first step, excluded after the first step or after
    // a middle step; the spare field for rows of none. Whether any row is of two kinds.
    field_.assign(rows, static_cast<uint8_t>(spare_at_));
    kinds_.assign(rows, 0);
    uint8_t* field = field_.data();
    uint8_t* kinds = kinds_.data();
    auto kind = [&](const uint8_t* mask, size_t at) {
      const auto value = static_cast<uint8_t>(at);
      for (size_t i = 0; i < rows; ++i) {
        field[i] = mask[i] ? value : field[i];
        kinds[i] = static_cast<uint8_t>(kinds[i] + mask[i]);
      }
    };
    kind(step_[0], first_at_);
    for (int p : after_first_) kind(masks[static_cast<size_t>(p)].data(), cut_at_);
    for (const auto& [mask, slot] : ends_) kind(mask, excluded_at_ + slot);
    one_kind_per_row_ = *std::max_element(kinds, kinds + rows) <= 1;
  }

  // The batch's rows in order. A row of a later step updates its group's record; then the
  // row's last times of a kind are written, at once if the next row is at a later time (so no
  // row reads them before then), else held until the time moves on. The hot path writes one
  // field per row, chosen for the batch beforehand (field_), without a branch on the row's
  // kind: most rows are first-step rows or not at random, and a mispredicted branch costs
  // more than the write.
  void ScanBatch(int64_t batch, int64_t n) {
    const uint8_t* relevant = relevant_.data();
    const uint8_t* field = field_.data();
    const int32_t* ord = scan_.ordinals + batch;
    const T* t = times_ + batch;
    uint64_t* const records = records_;
    const size_t stride = stride_;
    const bool one_field = one_kind_per_row_ && trailing_at_ == kAbsent;
    const int64_t end = std::min(n, scan_.end - 1 - batch);  // rows with a next row
    T now = now_;
    for (int64_t i = 0; i < n; ++i) {
      const T time = t[i];
      if (time != now) {
        if (held_.any()) held_.Write(now);
        now = time;
      }
      const size_t g = static_cast<size_t>(ord[i]);
      if (relevant[i]) UpdateRecord(g, i, now);
      const bool tie = i < end && t[i + 1] == time;
      if (tie || !one_field) [[unlikely]] {
        if (tie) {
          NoteKinds<true>(g, i, now);
        } else {
          NoteKinds<false>(g, i, now);
        }
        continue;
      }
      records[g * stride + field[i]] = Bits(now);
    }
    now_ = now;
  }

  // Row i's last times of every kind, held (kHold) or written, one field at a time: for a row
  // whose next row is at the same time, and for batches with rows of two kinds or trailing
  // exclusions.
  template <bool kHold>
  void NoteKinds(size_t g, int64_t i, T now) {
    const auto row = static_cast<size_t>(i);
    auto note = [&](uint8_t yes, size_t field) {
      uint64_t* slot = &Record(Select(yes, g))[field];
      if constexpr (kHold) {
        held_.Push(slot);
      } else {
        *slot = Bits(now);
      }
    };
    note(step_[0][i], first_at_);
    if (strict_) note(1, spare_at_);  // of no kind, or of some: the last time is their latest
    if (cut_at_ != kAbsent) note(cut_rows_[row], cut_at_);
    for (const auto& [mask, slot] : ends_) note(mask[i], excluded_at_ + slot);
    if (trailing_at_ != kAbsent) {
      if (k_ == 1 && step_[0][i]) Record(g)[completion_at_] = Bits(now);
      Record(Select(trailing_rows_[row], g))[trailing_at_] = Bits(now);
    }
  }

  // Strict: the group's last time before now, the latest of its rows' kinds (every row notes
  // its time in one of these fields).
  T LastTime(const uint64_t* record) const {
    T last = std::max(Time(record, first_at_), Time(record, spare_at_));
    if (cut_at_ != kAbsent) last = std::max(last, Time(record, cut_at_));
    if (excluded_at_ != kAbsent) {
      for (size_t s = 0; s < middle_; ++s) last = std::max(last, Time(record, excluded_at_ + s));
    }
    return last;
  }

  // The latest start of a chain that a second-step row extends now, or kNone.
  T SecondStepStart(const uint64_t* record) const {
    const T start = Time(record, first_at_);  // the group's last first-step time before now
    if (start == kNone || (strict_ && LastTime(record) != start)) return kNone;
    if (cut_at_ != kAbsent && Time(record, cut_at_) > start) return kNone;  // excluded after it
    return start;
  }

  // Row i of the batch, of group g at time `now`, matches a step after the first.
  void UpdateRecord(size_t g, int64_t i, T now) {
    uint64_t* record = Record(g);
    uint64_t flags = record[flags_at_];
    if (Bits(now) != record[time_at_]) {
      if (flags & (kPending | kLive)) flags = Advance(record, flags);
      record[time_at_] = Bits(now);
    }
    uint64_t reached = flags >> kReachedShift;
    for (size_t j = 1; j < k_; ++j) {
      if (!step_[j][i]) continue;
      const T start = j == 1 ? SecondStepStart(record) : Time(record, latest_at_ + j - 2);
      if (start == kNone || (window_ && !Within(now, start, *window_))) continue;
      if (j + 1 < k_) {
        if (start > Time(record, pending_at_ + j - 1)) record[pending_at_ + j - 1] = Bits(start);
        flags |= kPending;
      } else if (trailing_at_ != kAbsent) {
        record[completion_at_] = Bits(now);  // rows come in time order: the latest so far
        continue;                            // the last step is decided in Finish
      }
      reached = std::max<uint64_t>(reached, j + 1);
    }
    record[flags_at_] = (flags & ((uint64_t{1} << kReachedShift) - 1)) | (reached << kReachedShift);
  }

  // The group's record time moves on: the pending chains join the live ones, after exclusions
  // ended what they follow. Returns the new flags.
  uint64_t Advance(uint64_t* record, uint64_t flags) const {
    const T record_time = Time(record, time_at_);
    // Strict: chains live on only to the group's next time, and only if it is now.
    const bool gap = strict_ && LastTime(record) != record_time;
    bool live = false;
    for (size_t s = 0; s < middle_; ++s) {
      T l = Time(record, latest_at_ + s);
      T p = gap ? kNone : Time(record, pending_at_ + s);
      if (excluded_at_ != kAbsent) {
        const T excluded = Time(record, excluded_at_ + s);
        if (excluded >= record_time) l = kNone;
        if (excluded > record_time) p = kNone;
      }
      if (strict_ || p > l) l = p;
      record[latest_at_ + s] = Bits(l);
      record[pending_at_ + s] = Bits(kNone);
      live |= l != kNone;
    }
    flags &= ~(kPending | kLive);
    return live ? flags | kLive : flags;
  }

  const PartScan& scan_;
  const T* times_;
  const bool strict_;
  size_t k_ = 0;
  size_t middle_ = 0;                                      // steps 1 .. k - 2
  std::vector<int> positive_;                              // predicate per positive step
  std::vector<std::pair<int, size_t>> middle_exclusions_;  // predicate, its middle step's slot
  std::vector<int> after_first_;                           // exclusions after the first step
  std::vector<int> trailing_;                              // exclusions after the last step
  std::optional<T> window_;
  // The records: per group, timestamps (as bits) and flags, at these fields. The group's last
  // time before now of a row of a kind: of the first step, excluded after the first step,
  // excluded after middle step j (j - 1 from excluded_at_). Then the time of its last row of
  // a later step, its flags, latest[] and pending[] of middle steps, with a trailing
  // exclusion its last completion and its last trailing excluded row, and last the time of
  // its last row of no kind (spare_at_).
  size_t first_at_ = 0, cut_at_ = kAbsent, excluded_at_ = kAbsent;
  size_t time_at_ = kAbsent, flags_at_ = 0, latest_at_ = kAbsent, pending_at_ = kAbsent;
  size_t completion_at_ = kAbsent, trailing_at_ = kAbsent;
  size_t spare_at_ = 0;  // written by rows of no kind: their last time before now
  size_t stride_ = 0;
  std::vector<uint64_t> storage_;
  uint64_t* records_ = nullptr;  // in storage_, aligned to a cache line
  std::vector<uint8_t> reached_;
  std::vector<int32_t> no_chains_;  // chains are the chain matcher's
  // The time of the latest row seen, and the writes waiting for the next.
  T now_ = kNone;
  HeldWrites held_;
  // Per batch.
  std::array<const uint8_t*, kMaxSteps> step_{};
  std::vector<uint8_t> relevant_, cut_rows_, trailing_rows_;
  std::vector<uint8_t> field_, kinds_;
  bool one_kind_per_row_ = true;
  std::vector<std::pair<const uint8_t*, size_t>> ends_;  // an exclusion's mask, its slot
};

}  // namespace

bool StreamingMatcherDecides(const query::Sequence& sequence, bool want_chains) {
  bool has_gap = false, has_trailing = false;
  for (size_t i = 0; i < sequence.steps.size(); ++i) {
    has_gap |= sequence.steps[i].max_gap.has_value();
    has_trailing |= !sequence.steps[i].row_found && IsTrailing(sequence, i);
  }
  return !want_chains && sequence.order != SequenceOrder::kAny && sequence.hold_constant.empty() &&
         !has_gap && !(has_trailing && sequence.max_duration) &&
         sequence.PositiveSteps().size() <= kMaxSteps;
}

std::unique_ptr<SequenceMatcher> MakeStreamingMatcher(const PartScan& scan,
                                                      const query::Sequence& sequence,
                                                      const std::vector<int>& step_predicates) {
  const table::Column& time = scan.part.time_column();
  if (time.type == ColumnType::kFloat) {
    return std::make_unique<StreamingMatcher<double>>(scan, sequence, step_predicates,
                                                      time.floats());
  }
  return std::make_unique<StreamingMatcher<int64_t>>(scan, sequence, step_predicates,
                                                     scan.part.time_keys());
}

}  // namespace frocket::engine
