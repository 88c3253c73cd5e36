// BitPacker: appends values of a given bit width, least significant bit first — Parquet's
// bit-packing order for RLE/bit-packed runs and DELTA_BINARY_PACKED miniblocks.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

namespace frocket::parquet {

class BitPacker {
 public:
  explicit BitPacker(std::vector<uint8_t>* out) : out_(out) {}
  // REQUIRES: width <= 64 and value < 2^width.
  void Put(uint64_t value, int width) {
    acc_ |= static_cast<unsigned __int128>(value) << bits_;
    bits_ += width;
    if (bits_ >= 64) {
      const auto low = static_cast<uint64_t>(acc_);
      uint8_t bytes[8];
      std::memcpy(bytes, &low, 8);
      out_->insert(out_->end(), bytes, bytes + 8);
      acc_ >>= 64;
      bits_ -= 64;
    }
  }
  // Writes the remaining bits, zero-padded to a whole byte.
  void Flush() {
    while (bits_ > 0) {
      out_->push_back(static_cast<uint8_t>(acc_));
      acc_ >>= 8;
      bits_ = bits_ > 8 ? bits_ - 8 : 0;
    }
  }

 private:
  std::vector<uint8_t>* out_;
  unsigned __int128 acc_ = 0;
  int bits_ = 0;
};

}  // namespace frocket::parquet
