// The distinct values of a STRING column as a job reads them, each numbered once, so that a
// record holds a value's number instead of its bytes (row_record.h): rows then take a fraction
// of the memory and of the spilled bytes — activity data repeats its strings (event types,
// URLs, countries) millions of times.
//
// Bounded: once a dictionary's byte budget is spent, values it has not numbered yet stay in
// the records as bytes. Numbers are never reused or forgotten while the job runs.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

namespace frocket::ingest {

// The hash StringDictionary and StringCodes key values by.
uint64_t StringHash(std::string_view value);

class StringDictionary {
 public:
  // Bytes are taken from `budget` (shared by a job's dictionaries) as values are numbered.
  explicit StringDictionary(std::atomic<int64_t>* budget);
  StringDictionary(const StringDictionary&) = delete;
  StringDictionary& operator=(const StringDictionary&) = delete;

  // The value's code (numbering it when new), or -1 when it is new and the budget is spent.
  // `hash` is StringHash(value). Thread-safe.
  int32_t Intern(std::string_view value, uint64_t hash);
  // A code Intern returned, on any thread. Thread-safe.
  std::string_view Value(int32_t code) const {
    const size_t c = static_cast<size_t>(code);
    return chunks_[c / kChunkEntries][c % kChunkEntries];
  }
  // No value can be numbered any more.
  bool full() const { return full_.load(std::memory_order_relaxed); }

 private:
  static constexpr size_t kChunkEntries = 4096;
  static constexpr size_t kBytesPerEntry = sizeof(std::string_view) + 2 * sizeof(uint64_t);
  static constexpr int64_t kStopBelowBytes = 4096;
  void Grow();

  std::atomic<int64_t>* budget_;
  mutable std::mutex mutex_;
  // Values' views in fixed chunks, allocated as needed under the lock; the array of chunk
  // pointers is sized for the most entries the budget allows, so Value() never sees it move.
  std::unique_ptr<std::unique_ptr<std::string_view[]>[]> chunks_;
  size_t max_entries_ = 0;
  size_t entries_ = 0;
  std::vector<std::unique_ptr<char[]>> blocks_;  // the values' bytes
  char* block_at_ = nullptr;
  size_t block_left_ = 0;
  size_t bytes_ = 0;
  // Open addressing: each slot a code + 1 (0 = empty), with the entry's hash beside it.
  std::vector<uint32_t> slots_;
  std::vector<uint64_t> hashes_;  // per entry
  std::atomic<bool> full_{false};
};

// One thread's memo of a dictionary's codes, so that values seen before are found without
// the dictionary's lock; and of a Parquet input's own dictionary's entries (Code(..., source)).
// The memo holds at most kMostMemoized codes (about 1.5 MB): past them, values are looked up
// in the dictionary itself.
class StringCodes {
 public:
  static constexpr size_t kMostMemoized = size_t{1} << 16;

  explicit StringCodes(StringDictionary* dictionary) : dictionary_(dictionary) {}

  // The value's code, or -1 when it stays in the record as bytes.
  int32_t Code(std::string_view value);
  // The same for entry `entry` of an input's dictionary numbered `source` (never 0): each
  // entry is looked up once per source.
  int32_t Code(std::string_view value, uint64_t source, int32_t entry);

 private:
  StringDictionary* dictionary_;
  std::vector<int32_t> slots_;  // code, -1 empty
  std::vector<uint64_t> slot_hashes_;
  size_t size_ = 0;
  uint64_t source_ = 0;
  std::vector<int32_t> source_codes_;  // per entry of source_'s dictionary; -2 = not yet
};

}  // namespace frocket::ingest
