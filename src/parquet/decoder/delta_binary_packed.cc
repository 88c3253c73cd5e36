#include "parquet/decoder/delta_binary_packed.h"

#include <algorithm>
#include <cstring>

#include "parquet/decoder/bit_unpack.h"

namespace frocket::parquet {

namespace {
// Limits on header fields. The format suggests blocks of 128 values and miniblocks of 32;
// anything beyond these is not a real writer's output and would only serve to make a reader
// loop or allocate.
constexpr uint64_t kMaxBlockSize = uint64_t{1} << 20;
constexpr uint64_t kMaxMiniblocks = 1024;
}  // namespace

bool DeltaBinaryPackedDecoder::Fail(std::string what) {
  if (error_.empty()) error_ = "DELTA_BINARY_PACKED: " + std::move(what);
  return false;
}

bool DeltaBinaryPackedDecoder::ReadUleb(uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos_ >= size_) return Fail("data ends inside a header");
    uint8_t byte = data_[pos_++];
    if (shift == 63 && (byte & 0x7e) != 0) return Fail("varint overflows 64 bits");
    result |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return Fail("varint is too long");
}

bool DeltaBinaryPackedDecoder::ReadZigZag(int64_t* v) {
  uint64_t u;
  if (!ReadUleb(&u)) return false;
  *v = static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1);
  return true;
}

bool DeltaBinaryPackedDecoder::ReadHeader(const uint8_t* data, size_t size) {
  data_ = data;
  size_ = size;
  pos_ = 0;
  error_.clear();
  int64_t first;
  if (!ReadUleb(&block_size_) || !ReadUleb(&miniblocks_per_block_) || !ReadUleb(&total_values_) ||
      !ReadZigZag(&first)) {
    return false;
  }
  if (block_size_ == 0 || block_size_ > kMaxBlockSize || block_size_ % 8 != 0) {
    return Fail("invalid block size " + std::to_string(block_size_));
  }
  if (miniblocks_per_block_ == 0 || miniblocks_per_block_ > kMaxMiniblocks ||
      block_size_ % miniblocks_per_block_ != 0 || (block_size_ / miniblocks_per_block_) % 8 != 0) {
    return Fail("invalid miniblock count " + std::to_string(miniblocks_per_block_) +
                " for block size " + std::to_string(block_size_));
  }
  values_per_miniblock_ = block_size_ / miniblocks_per_block_;
  last_value_ = static_cast<uint64_t>(first);
  values_read_ = 0;
  miniblock_index_ = miniblocks_per_block_;  // no block started yet
  miniblock_remaining_ = 0;
  miniblock_end_ = pos_;
  pending_pos_ = 8;
  return true;
}

bool DeltaBinaryPackedDecoder::StartBlock() {
  int64_t min_delta;
  if (!ReadZigZag(&min_delta)) return false;
  min_delta_ = static_cast<uint64_t>(min_delta);
  if (size_ - pos_ < miniblocks_per_block_) return Fail("data ends inside the miniblock widths");
  bit_widths_ = data_ + pos_;
  pos_ += miniblocks_per_block_;
  miniblock_index_ = 0;
  miniblock_end_ = pos_;
  return true;
}

bool DeltaBinaryPackedDecoder::StartMiniblock() {
  if (miniblock_index_ >= miniblocks_per_block_) {
    if (!StartBlock()) return false;
  }
  int width = bit_widths_[miniblock_index_];
  if (width > 64) return Fail("miniblock bit width " + std::to_string(width) + " exceeds 64");
  uint64_t bytes = values_per_miniblock_ / 8 * static_cast<uint64_t>(width);
  miniblock_width_ = width;
  miniblock_data_ = data_ + pos_;
  uint64_t values_left = total_values_ - values_read_;
  // The last miniblock holding values is written whole; later miniblocks of the block are
  // absent. So only the bytes of groups we will read must be present.
  // (Rounded up after the min: a header may announce close to 2^64 values.)
  uint64_t needed_groups = (std::min<uint64_t>(values_per_miniblock_, values_left) + 7) / 8;
  if (size_ - pos_ < needed_groups * static_cast<uint64_t>(width)) {
    return Fail("data ends inside a miniblock");
  }
  pos_ += std::min<uint64_t>(bytes, size_ - pos_);
  miniblock_end_ = pos_;
  miniblock_remaining_ = values_per_miniblock_;
  ++miniblock_index_;
  return true;
}

template <typename T>
bool DeltaBinaryPackedDecoder::DecodeValues(T* out, size_t n) {
  if (n > total_values_ - values_read_) {
    return Fail("asked for " + std::to_string(n) + " values but only " +
                std::to_string(total_values_ - values_read_) + " remain");
  }
  T* const end = out + n;
  if (out < end && values_read_ == 0) {
    *out++ = static_cast<T>(last_value_);
    values_read_ = 1;
  }
  uint64_t value = last_value_;
  while (out < end) {
    if (pending_pos_ < 8) {
      while (pending_pos_ < 8 && out < end) {
        value += min_delta_ + pending_[pending_pos_++];
        *out++ = static_cast<T>(value);
        ++values_read_;
      }
      continue;
    }
    if (miniblock_remaining_ == 0 && !StartMiniblock()) return false;
    // Whole groups straight into the output.
    size_t groups =
        std::min<uint64_t>(static_cast<size_t>(end - out) / 8, miniblock_remaining_ / 8);
    if (groups > 0) {
      uint64_t deltas[64];
      for (size_t done = 0; done < groups;) {
        size_t batch = std::min<size_t>(groups - done, 8);
        const uint64_t bytes = batch * static_cast<uint64_t>(miniblock_width_);
        if (static_cast<uint64_t>(data_ + size_ - miniblock_data_) >= bytes + 8) {
          UnpackGroupsWide<uint64_t>(miniblock_data_, miniblock_width_, deltas, batch);
        } else {
          UnpackGroups<uint64_t>(miniblock_data_, miniblock_width_, deltas, batch);
        }
        miniblock_data_ += batch * static_cast<size_t>(miniblock_width_);
        for (size_t k = 0; k < batch * 8; ++k) {
          value += min_delta_ + deltas[k];
          out[k] = static_cast<T>(value);
        }
        out += batch * 8;
        done += batch;
      }
      miniblock_remaining_ -= groups * 8;
      values_read_ += groups * 8;
      continue;
    }
    // One group through pending_ (fewer than 8 values wanted, or a lenient short miniblock).
    uint8_t padded[64] = {};
    const uint8_t* group = miniblock_data_;
    size_t available = static_cast<size_t>(data_ + miniblock_end_ - miniblock_data_);
    if (available < static_cast<size_t>(miniblock_width_)) {
      std::memcpy(padded, miniblock_data_, available);
      group = padded;
    }
    UnpackGroups<uint64_t>(group, miniblock_width_, pending_, 1);
    miniblock_data_ += std::min<size_t>(available, static_cast<size_t>(miniblock_width_));
    miniblock_remaining_ -= 8;
    pending_pos_ = 0;
  }
  last_value_ = value;
  return true;
}

bool DeltaBinaryPackedDecoder::SkipAll() {
  int64_t scratch[256];
  while (values_read_ < total_values_) {
    size_t k = static_cast<size_t>(std::min<uint64_t>(256, total_values_ - values_read_));
    if (!DecodeValues(scratch, k)) return false;
  }
  return true;
}

size_t DeltaBinaryPackedDecoder::end_position() const {
  return miniblock_end_;
}

template bool DeltaBinaryPackedDecoder::DecodeValues<int32_t>(int32_t*, size_t);
template bool DeltaBinaryPackedDecoder::DecodeValues<int64_t>(int64_t*, size_t);

}  // namespace frocket::parquet
