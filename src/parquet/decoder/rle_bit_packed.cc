#include "parquet/decoder/rle_bit_packed.h"

#include <algorithm>
#include <cstring>

#include "parquet/decoder/bit_unpack.h"

namespace frocket::parquet {

bool RleBitPackedDecoder::Fail(std::string what) {
  if (error_.empty()) error_ = std::move(what);
  return false;
}

bool RleBitPackedDecoder::NextRun() {
  uint64_t header = 0;
  int shift = 0;
  while (true) {
    if (pos_ >= size_) return Fail("RLE/bit-packed data ends before all values were read");
    uint8_t byte = data_[pos_++];
    if (shift >= 63 && (byte & 0x7e) != 0) return Fail("RLE run header overflows");
    header |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) break;
    shift += 7;
    if (shift > 63) return Fail("RLE run header is too long");
  }
  if (header & 1) {
    uint64_t groups = header >> 1;
    uint64_t bytes_needed = groups * static_cast<uint64_t>(bit_width_);
    uint64_t available = size_ - pos_;
    literal_ = true;
    literal_ptr_ = data_ + pos_;
    if (bit_width_ == 0) {
      remaining_ = groups * 8;
      literal_full_groups_ = groups;
      return true;
    }
    if (groups > (uint64_t{1} << 40) || bytes_needed > available) {
      // Writers sometimes end the last literal run early; the values whose bits are present
      // are still valid, the rest do not exist.
      uint64_t values = available * 8 / static_cast<uint64_t>(bit_width_);
      remaining_ = std::min<uint64_t>(values, groups * 8);
      literal_full_groups_ = available / static_cast<uint64_t>(bit_width_);
      bytes_needed = available;
    } else {
      remaining_ = groups * 8;
      literal_full_groups_ = groups;
    }
    pos_ += bytes_needed;
    return true;
  }
  literal_ = false;
  remaining_ = header >> 1;
  int value_bytes = (bit_width_ + 7) / 8;
  if (size_ - pos_ < static_cast<size_t>(value_bytes)) {
    return Fail("RLE run value is cut off at the end of the data");
  }
  uint32_t value = 0;
  std::memcpy(&value, data_ + pos_, static_cast<size_t>(value_bytes));
  pos_ += static_cast<size_t>(value_bytes);
  if (bit_width_ < 32 && (value >> bit_width_) != 0) {
    return Fail("RLE run value " + std::to_string(value) + " does not fit in " +
                std::to_string(bit_width_) + " bits");
  }
  repeated_value_ = value;
  return true;
}

template <typename Sink>
bool RleBitPackedDecoder::Walk(Sink& sink, size_t n) {
  while (n > 0) {
    if (buffered_pos_ < buffered_count_) {
      size_t k = std::min<size_t>(n, static_cast<size_t>(buffered_count_ - buffered_pos_));
      sink.Copy(buffered_ + buffered_pos_, k);
      buffered_pos_ += static_cast<int>(k);
      n -= k;
      continue;
    }
    if (remaining_ == 0) {
      if (!NextRun()) return false;
      continue;
    }
    if (!literal_) {
      size_t k = static_cast<size_t>(std::min<uint64_t>(n, remaining_));
      sink.Fill(repeated_value_, k);
      remaining_ -= k;
      n -= k;
      continue;
    }
    // Whole groups straight to the sink.
    uint64_t groups = std::min<uint64_t>({n / 8, remaining_ / 8, literal_full_groups_});
    if (groups > 0) {
      sink.Groups(literal_ptr_, bit_width_, groups);
      literal_ptr_ += groups * static_cast<uint64_t>(bit_width_);
      literal_full_groups_ -= groups;
      remaining_ -= groups * 8;
      n -= groups * 8;
      continue;
    }
    // One group through the buffer: fewer than 8 values wanted, or a truncated last group.
    const uint8_t* group = literal_ptr_;
    if (literal_full_groups_ == 0) {
      size_t have = static_cast<size_t>(data_ + pos_ - literal_ptr_);
      std::memset(padded_group_, 0, sizeof(padded_group_));
      std::memcpy(padded_group_, literal_ptr_, std::min(have, sizeof(padded_group_)));
      group = padded_group_;
    } else {
      literal_full_groups_ -= 1;
    }
    UnpackGroups<uint32_t>(group, bit_width_, buffered_, 1);
    literal_ptr_ += bit_width_;
    buffered_count_ = static_cast<int>(std::min<uint64_t>(8, remaining_));
    buffered_pos_ = 0;
    remaining_ -= static_cast<uint64_t>(buffered_count_);
  }
  return true;
}

namespace {

// Walk's sinks: values stored in order, or only marked.
struct StoreValues {
  uint32_t* out;
  void Fill(uint32_t value, size_t k) {
    std::fill(out, out + k, value);
    out += k;
  }
  void Copy(const uint32_t* values, size_t k) {
    std::memcpy(out, values, k * sizeof(uint32_t));
    out += k;
  }
  void Groups(const uint8_t* in, int width, uint64_t groups) {
    UnpackGroups<uint32_t>(in, width, out, groups);
    out += groups * 8;
  }
};

struct MarkValueSet {
  uint8_t* marks;
  void Fill(uint32_t value, size_t k) {
    if (k > 0) marks[value] = 1;
  }
  void Copy(const uint32_t* values, size_t k) {
    for (size_t i = 0; i < k; ++i) marks[values[i]] = 1;
  }
  void Groups(const uint8_t* in, int width, uint64_t groups) {
    MarkGroups(in, width, marks, groups);
  }
};

}  // namespace

bool RleBitPackedDecoder::DecodeValues(uint32_t* out, size_t n) {
  StoreValues sink{out};
  return Walk(sink, n);
}

bool RleBitPackedDecoder::MarkValues(uint8_t* marks, size_t n) {
  MarkValueSet sink{marks};
  return Walk(sink, n);
}

bool RleBitPackedDecoder::DecodeBitValues(uint8_t* out, size_t n) {
  uint32_t chunk[256];
  while (n > 0) {
    size_t k = std::min<size_t>(n, 256);
    if (!DecodeValues(chunk, k)) return false;
    uint32_t any_big = 0;
    for (size_t i = 0; i < k; ++i) {
      any_big |= chunk[i] >> 1;
      out[i] = static_cast<uint8_t>(chunk[i]);
    }
    if (any_big != 0) return Fail("value greater than 1 where only 0 and 1 are allowed");
    out += k;
    n -= k;
  }
  return true;
}

}  // namespace frocket::parquet
