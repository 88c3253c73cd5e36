// DistinctIntegers: counts the distinct values of a stream of 64-bit integers — the groups of a
// part, when a query needs only how many there are.
//
// Values inside a range given up front (a column's statistics) are bits of a bitmap: a part's
// 40,000 user ids spread over a range of 800,000 are a 100 KB bitmap, in a core's L2 cache,
// where a hash table of them would be 768 KB. A value outside the range (statistics are hints,
// not promises) moves the set to a hash table, which takes any value; so does a range too wide
// to be worth a bitmap.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "common/bitmap.h"
#include "common/code_table.h"

namespace frocket {

class DistinctIntegers {
 public:
  // Values expected in [low, high]; a bitmap when that is at most `max_bitmap_bits` values.
  DistinctIntegers(int64_t low, int64_t high, uint64_t max_bitmap_bits) {
    const uint64_t span = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
    if (low <= high && span < max_bitmap_bits) {
      low_ = low;
      bits_ = span + 1;
      bitmap_.assign(bitmap::BytesFor(bits_), 0);
    } else {
      table_ = std::make_unique<CodeTable>();
    }
  }
  // No range known: a hash table from the start.
  DistinctIntegers() : table_(std::make_unique<CodeTable>()) {}

  void Insert(int64_t value) {
    const uint64_t offset = static_cast<uint64_t>(value) - static_cast<uint64_t>(low_);
    if (table_ == nullptr && offset < bits_) {
      // Counted as set, not with a popcount at the end: without the instruction (the baseline
      // x86-64 target) popcounts are library calls, and the bitmap is mostly zeros.
      uint8_t& byte = bitmap_[offset >> 3];
      const auto bit = static_cast<uint8_t>(1u << (offset & 7));
      bitmap_count_ += (byte & bit) == 0;
      byte |= bit;
      return;
    }
    InsertHashed(value);
  }

  // Inserts n values (int32_t or int64_t).
  template <typename T>
  void InsertAll(const T* values, size_t n) {
    size_t i = 0;
    if (table_ == nullptr) {
      // One loop without calls while the values stay in the bitmap's range.
      uint8_t* bitmap = bitmap_.data();
      int64_t added = 0;
      for (; i < n; ++i) {
        const uint64_t offset = static_cast<uint64_t>(values[i]) - static_cast<uint64_t>(low_);
        if (offset >= bits_) break;
        uint8_t& byte = bitmap[offset >> 3];
        const auto bit = static_cast<uint8_t>(1u << (offset & 7));
        added += (byte & bit) == 0;
        byte |= bit;
      }
      bitmap_count_ += added;
    }
    for (; i < n; ++i) Insert(values[i]);
  }

  // Whether the values are kept as bits (the range held every one so far).
  bool is_bitmap() const { return table_ == nullptr; }
  int64_t size() const { return table_ ? static_cast<int64_t>(table_->size()) : bitmap_count_; }

 private:
  void InsertHashed(int64_t value) {
    if (table_ == nullptr) MoveToTable();
    bool inserted;
    table_->FindOrInsert(static_cast<uint64_t>(value), &inserted);
  }
  void MoveToTable() {
    auto table = std::make_unique<CodeTable>(static_cast<size_t>(size()));
    bool inserted;
    // A word at a time, skipping zeros: a stale range may be large and mostly empty.
    for (size_t byte = 0; byte < bitmap_.size(); byte += 8) {
      uint64_t word = 0;
      std::memcpy(&word, bitmap_.data() + byte, std::min<size_t>(8, bitmap_.size() - byte));
      for (; word != 0; word &= word - 1) {
        const uint64_t bit = byte * 8 + static_cast<uint64_t>(std::countr_zero(word));
        table->FindOrInsert(static_cast<uint64_t>(low_) + bit, &inserted);
      }
    }
    table_ = std::move(table);
    bitmap_ = {};
    bits_ = 0;
  }

  int64_t low_ = 0;
  uint64_t bits_ = 0;
  std::vector<uint8_t> bitmap_;
  int64_t bitmap_count_ = 0;          // bits set
  std::unique_ptr<CodeTable> table_;  // set once a value falls outside the bitmap's range
};

}  // namespace frocket
