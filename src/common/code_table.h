// CodeTable: numbers distinct 64-bit keys 0, 1, 2... in order of first appearance — an
// open-addressing hash table for dictionary-encoding columns (ints, float bit patterns) and
// merging Parquet dictionaries.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace frocket {

class CodeTable {
 public:
  explicit CodeTable(size_t expected = 512) {
    size_t capacity = 1024;
    while (capacity < expected * 2) capacity *= 2;
    Rehash(capacity);
  }

  // The key's code; a new key gets the next code and *inserted is set.
  int32_t FindOrInsert(uint64_t key, bool* inserted) {
    size_t i = Slot(key);
    while (true) {
      if (codes_[i] < 0) {
        // Grown at three quarters full: a part's group ids (some 40,000) then stay in a table
        // of 64K slots (768 KB, within a core's L2 cache); grown at half full, it doubled past
        // it (4% of the CPU of an empty query over 20M rows).
        if ((size_ + 1) * 4 > codes_.size() * 3) {
          Rehash(codes_.size() * 2);
          return FindOrInsert(key, inserted);
        }
        keys_[i] = key;
        codes_[i] = static_cast<int32_t>(size_++);
        *inserted = true;
        return codes_[i];
      }
      if (keys_[i] == key) {
        *inserted = false;
        return codes_[i];
      }
      i = (i + 1) & mask_;
    }
  }

  // FindOrInsert without a branch on whether the key was new, for keys that are new about as
  // often as not (where that branch mispredicts half the time). May grow the table one key
  // early.
  int32_t FindOrInsertUnpredictable(uint64_t key, bool* inserted) {
    if ((size_ + 1) * 4 > codes_.size() * 3) Rehash(codes_.size() * 2);
    size_t i = Slot(key);
    while (codes_[i] >= 0 && keys_[i] != key) i = (i + 1) & mask_;
    const bool empty = codes_[i] < 0;
    keys_[i] = key;
    const int32_t code = empty ? static_cast<int32_t>(size_) : codes_[i];
    codes_[i] = code;
    size_ += empty;
    *inserted = empty;
    return code;
  }

  size_t size() const { return size_; }

 private:
  size_t Slot(uint64_t key) const { return (key * 0x9E3779B97F4A7C15ull) >> shift_; }
  void Rehash(size_t capacity) {
    std::vector<uint64_t> old_keys = std::move(keys_);
    std::vector<int32_t> old_codes = std::move(codes_);
    keys_.assign(capacity, 0);
    codes_.assign(capacity, -1);
    mask_ = capacity - 1;
    shift_ = 64 - std::countr_zero(capacity);
    for (size_t j = 0; j < old_codes.size(); ++j) {
      if (old_codes[j] < 0) continue;
      size_t i = Slot(old_keys[j]);
      while (codes_[i] >= 0) i = (i + 1) & mask_;
      keys_[i] = old_keys[j];
      codes_[i] = old_codes[j];
    }
  }

  std::vector<uint64_t> keys_;
  std::vector<int32_t> codes_;
  size_t mask_ = 0;
  int shift_ = 0;
  size_t size_ = 0;
};

}  // namespace frocket
