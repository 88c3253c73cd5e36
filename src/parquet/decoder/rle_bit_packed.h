// RleBitPackedDecoder: reads the RLE/bit-packed hybrid encoding that Parquet uses for
// definition levels, dictionary indices and RLE booleans.
//
// The input is a sequence of runs, each a ULEB128 header followed by either one repeated
// value (RLE run) or groups of 8 bit-packed values (literal run). Every malformed or short
// input makes Decode() return Invalid saying why; nothing reads past `size`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/status.h"

namespace frocket::parquet {

class RleBitPackedDecoder {
 public:
  RleBitPackedDecoder() = default;
  // REQUIRES: 0 <= bit_width <= 32.
  RleBitPackedDecoder(const uint8_t* data, size_t size, int bit_width)
      : data_(data), size_(size), bit_width_(bit_width) {}

  // Decodes exactly n values into out.
  Status Decode(uint32_t* out, size_t n) { return Checked(DecodeValues(out, n)); }

  // Decodes n values and sets marks[v] = 1 for each, storing none of them: a set of the values.
  // REQUIRES: marks has 2^bit_width bytes.
  Status Mark(uint8_t* marks, size_t n) { return Checked(MarkValues(marks, n)); }

  // Decodes n values that are all 0 or 1 (definition levels of a flat column, booleans) into
  // bytes; Invalid if a value is greater than 1.
  Status DecodeBits(uint8_t* out, size_t n) { return Checked(DecodeBitValues(out, n)); }

  // Bytes consumed so far (including a partially decoded literal run).
  size_t position() const { return pos_; }

 private:
  Status Checked(bool ok) const { return ok ? Status::OK() : Status::Invalid(error_); }
  bool DecodeValues(uint32_t* out, size_t n);
  bool MarkValues(uint8_t* marks, size_t n);
  // Hands n values to `sink` as they come: Fill(value, count) for a repeated one, Copy(values,
  // count) for decoded ones, Groups(bytes, groups) for whole bit-packed groups.
  template <typename Sink>
  bool Walk(Sink& sink, size_t n);
  bool DecodeBitValues(uint8_t* out, size_t n);
  bool NextRun();
  bool Fail(std::string what);

  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t pos_ = 0;
  int bit_width_ = 0;

  // The current run.
  bool literal_ = false;
  uint32_t repeated_value_ = 0;
  uint64_t remaining_ = 0;                // values left in the run, excluding buffered_
  const uint8_t* literal_ptr_ = nullptr;  // next undecoded group of a literal run
  uint64_t literal_full_groups_ = 0;      // groups at literal_ptr_ that are whole in the input
  uint8_t padded_group_[32] = {};         // a literal run's final, truncated group
  uint32_t buffered_[8] = {};             // one decoded group not yet handed out
  int buffered_pos_ = 0;
  int buffered_count_ = 0;

  std::string error_;
};

}  // namespace frocket::parquet
