// ByteArrayBuilder: appends variable-length values to a column vector's offsets and data,
// refusing to grow past a byte budget (a hostile page can otherwise expand without bound,
// e.g. DELTA_BYTE_ARRAY prefixes or dictionary gathers of long entries).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "common/buffer.h"

namespace frocket::parquet {

class ByteArrayBuilder {
 public:
  // `offsets` points at the offset of the first value to append (already written); each
  // appended value writes the offset after it.
  ByteArrayBuilder(uint32_t* offsets, Buffer* data, uint64_t max_bytes)
      : offsets_(offsets), data_(data), max_bytes_(std::min<uint64_t>(max_bytes, UINT32_MAX)) {}

  // False when the data would exceed the budget.
  bool Append(const uint8_t* bytes, uint32_t length) {
    size_t size = data_->size();
    if (length > max_bytes_ - size) return false;
    data_->Append(bytes, length);
    *++offsets_ = static_cast<uint32_t>(size + length);
    return true;
  }
  // Makes room for `more` bytes at once; false when over budget. Append() stays correct
  // without it, this only saves reallocations.
  bool Reserve(uint64_t more) {
    if (more > max_bytes_ - data_->size()) return false;
    // Geometric growth: pages reserve one after another, and exact reservations would copy
    // the column's data once per page.
    if (data_->size() + more > data_->capacity()) {
      data_->Reserve(std::max<uint64_t>(data_->size() + more, data_->capacity() * 2));
    }
    return true;
  }

  uint64_t max_bytes() const { return max_bytes_; }
  Buffer* data() { return data_; }
  uint32_t* offsets() { return offsets_; }

 private:
  uint32_t* offsets_;
  Buffer* data_;
  uint64_t max_bytes_;
};

}  // namespace frocket::parquet
