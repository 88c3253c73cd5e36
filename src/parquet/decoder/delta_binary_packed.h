// DeltaBinaryPackedDecoder: reads DELTA_BINARY_PACKED integers (INT32/INT64 values, and the
// lengths inside the two DELTA_*_BYTE_ARRAY encodings).
//
// Arithmetic is done modulo 2^64 and truncated to the output type, which is what the format
// means by "wrapping" and what lets INT32 columns written with 33-bit miniblocks decode.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/status.h"

namespace frocket::parquet {

class DeltaBinaryPackedDecoder {
 public:
  // Reads the header; Invalid if it is malformed.
  Status Init(const uint8_t* data, size_t size) { return Checked(ReadHeader(data, size)); }

  // Total number of values the header announces.
  uint64_t total_values() const { return total_values_; }

  // Decodes the next n values. REQUIRES: T is int32_t or int64_t.
  template <typename T>
  Status Decode(T* out, size_t n) {
    return Checked(DecodeValues(out, n));
  }

  // Decodes every remaining value (discarding them) so that end_position() is known.
  Status SkipToEnd() { return Checked(SkipAll()); }

  // The byte just after the encoded data. Only meaningful once all values were decoded.
  size_t end_position() const;

 private:
  Status Checked(bool ok) const { return ok ? Status::OK() : Status::Invalid(error_); }
  bool ReadHeader(const uint8_t* data, size_t size);
  template <typename T>
  bool DecodeValues(T* out, size_t n);
  bool SkipAll();
  bool Fail(std::string what);
  bool ReadUleb(uint64_t* v);
  bool ReadZigZag(int64_t* v);
  bool StartBlock();
  bool StartMiniblock();

  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t pos_ = 0;

  uint64_t block_size_ = 0;
  uint64_t miniblocks_per_block_ = 0;
  uint64_t values_per_miniblock_ = 0;
  uint64_t total_values_ = 0;
  uint64_t values_read_ = 0;  // including the first value
  uint64_t last_value_ = 0;

  // The current block and miniblock.
  uint64_t min_delta_ = 0;
  const uint8_t* bit_widths_ = nullptr;
  uint64_t miniblock_index_ = 0;  // within the block
  int miniblock_width_ = 0;
  const uint8_t* miniblock_data_ = nullptr;
  uint64_t miniblock_remaining_ = 0;  // values not yet read from the current miniblock
  size_t miniblock_end_ = 0;          // byte position just after the current miniblock
  uint64_t pending_[8] = {};          // a partially consumed group of deltas
  int pending_pos_ = 8;

  std::string error_;
};

}  // namespace frocket::parquet
