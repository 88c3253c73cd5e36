#include "ingest/string_dictionary.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>

namespace frocket::ingest {

namespace {

constexpr size_t kBlockBytes = 64 << 10;

size_t SlotOf(uint64_t hash, size_t mask) {
  return (hash * 0x9E3779B97F4A7C15ull) >> 32 & mask;
}

}  // namespace

uint64_t StringHash(std::string_view value) {
  return XXH3_64bits(value.data(), value.size());
}

StringDictionary::StringDictionary(std::atomic<int64_t>* budget) : budget_(budget) {
  const int64_t most = std::max<int64_t>(0, budget->load()) / static_cast<int64_t>(kBytesPerEntry);
  max_entries_ = std::min<size_t>(static_cast<size_t>(most),
                                  std::numeric_limits<int32_t>::max() - kChunkEntries);
  chunks_ =
      std::make_unique<std::unique_ptr<std::string_view[]>[]>(max_entries_ / kChunkEntries + 1);
}

void StringDictionary::Grow() {
  std::vector<uint32_t> slots(std::max<size_t>(1024, slots_.size() * 2), 0);
  const size_t mask = slots.size() - 1;
  for (uint32_t s : slots_) {
    if (s == 0) continue;
    size_t i = SlotOf(hashes_[s - 1], mask);
    while (slots[i] != 0) i = (i + 1) & mask;
    slots[i] = s;
  }
  slots_ = std::move(slots);
}

int32_t StringDictionary::Intern(std::string_view value, uint64_t hash) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (slots_.empty()) Grow();
  const size_t mask = slots_.size() - 1;
  size_t i = SlotOf(hash, mask);
  for (; slots_[i] != 0; i = (i + 1) & mask) {
    const int32_t code = static_cast<int32_t>(slots_[i] - 1);
    if (hashes_[static_cast<size_t>(code)] == hash && Value(code) == value) return code;
  }
  // A new value: numbered if the budget (its bytes, view, hash and slots) allows.
  const int64_t cost = static_cast<int64_t>(value.size() + kBytesPerEntry);
  bool refused = full() || entries_ >= max_entries_;
  if (!refused && budget_->fetch_sub(cost) < cost) {
    budget_->fetch_add(cost);  // not taken after all
    refused = true;
  }
  if (refused) {
    // Past the entry limit, or with too little budget left for more values, the dictionary
    // stops; a value only too long for what is left stays bytes and the next may be numbered.
    if (entries_ >= max_entries_ || budget_->load() < kStopBelowBytes) full_ = true;
    return -1;
  }
  if (value.size() > block_left_) {
    const size_t n = std::max(kBlockBytes, value.size());
    blocks_.push_back(std::make_unique<char[]>(n));
    block_at_ = blocks_.back().get();
    block_left_ = n;
  }
  if (!value.empty()) std::memcpy(block_at_, value.data(), value.size());
  const size_t code = entries_++;
  auto& chunk = chunks_[code / kChunkEntries];
  if (!chunk) chunk = std::make_unique<std::string_view[]>(kChunkEntries);
  chunk[code % kChunkEntries] = std::string_view(block_at_, value.size());
  block_at_ += value.size();
  block_left_ -= value.size();
  bytes_ += static_cast<size_t>(cost);
  hashes_.push_back(hash);
  slots_[i] = static_cast<uint32_t>(code + 1);
  if (entries_ * 2 > slots_.size()) Grow();
  return static_cast<int32_t>(code);
}

int32_t StringCodes::Code(std::string_view value) {
  const uint64_t hash = StringHash(value);
  if (slots_.empty()) {
    slots_.assign(1024, -1);
    slot_hashes_.assign(1024, 0);
  }
  size_t mask = slots_.size() - 1;
  size_t i = SlotOf(hash, mask);
  for (; slots_[i] >= 0; i = (i + 1) & mask) {
    if (slot_hashes_[i] == hash && dictionary_->Value(slots_[i]) == value) return slots_[i];
  }
  // Not seen on this thread. Once the dictionary is full, new values stay bytes without
  // taking its lock (a value another thread numbered may then too: both read back the same).
  if (dictionary_->full()) return -1;
  const int32_t code = dictionary_->Intern(value, hash);
  if (code < 0 || size_ >= kMostMemoized) return code;
  slots_[i] = code;
  slot_hashes_[i] = hash;
  if (++size_ * 2 > slots_.size()) {
    std::vector<int32_t> slots(slots_.size() * 2, -1);
    std::vector<uint64_t> hashes(slots.size(), 0);
    mask = slots.size() - 1;
    for (size_t j = 0; j < slots_.size(); ++j) {
      if (slots_[j] < 0) continue;
      size_t k = SlotOf(slot_hashes_[j], mask);
      while (slots[k] >= 0) k = (k + 1) & mask;
      slots[k] = slots_[j];
      hashes[k] = slot_hashes_[j];
    }
    slots_ = std::move(slots);
    slot_hashes_ = std::move(hashes);
  }
  return code;
}

int32_t StringCodes::Code(std::string_view value, uint64_t source, int32_t entry) {
  if (source != source_) {
    source_ = source;
    source_codes_.clear();
  }
  const size_t e = static_cast<size_t>(entry);
  if (e >= source_codes_.size()) source_codes_.resize(e + 1, -2);
  if (source_codes_[e] == -2) source_codes_[e] = Code(value);
  return source_codes_[e];
}

}  // namespace frocket::ingest
