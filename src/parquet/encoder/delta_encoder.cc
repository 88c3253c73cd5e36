#include "parquet/encoder/delta_encoder.h"

#include <algorithm>

#include "parquet/encoder/bit_packer.h"

namespace frocket::parquet {

namespace {

constexpr size_t kBlock = 128;
constexpr size_t kMiniblocks = 4;
constexpr size_t kPerMiniblock = kBlock / kMiniblocks;

void PutUleb(std::vector<uint8_t>* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<uint8_t>(v));
}

void PutZigZag(std::vector<uint8_t>* out, int64_t v) {
  PutUleb(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

}  // namespace

void EncodeDeltaBinaryPacked(std::span<const int64_t> values, std::vector<uint8_t>* out) {
  PutUleb(out, kBlock);
  PutUleb(out, kMiniblocks);
  PutUleb(out, values.size());
  PutZigZag(out, values.empty() ? 0 : values[0]);
  uint64_t deltas[kBlock];
  for (size_t start = 1; start < values.size(); start += kBlock) {
    const size_t count = std::min(kBlock, values.size() - start);
    // Deltas wrap modulo 2^64, as readers compute them.
    for (size_t k = 0; k < count; ++k) {
      deltas[k] =
          static_cast<uint64_t>(values[start + k]) - static_cast<uint64_t>(values[start + k - 1]);
    }
    int64_t min_delta = static_cast<int64_t>(deltas[0]);
    for (size_t k = 1; k < count; ++k)
      min_delta = std::min(min_delta, static_cast<int64_t>(deltas[k]));
    for (size_t k = 0; k < count; ++k) deltas[k] -= static_cast<uint64_t>(min_delta);
    PutZigZag(out, min_delta);
    const size_t used = (count + kPerMiniblock - 1) / kPerMiniblock;
    uint8_t widths[kMiniblocks] = {};
    for (size_t m = 0; m < used; ++m) {
      uint64_t all = 0;
      for (size_t k = m * kPerMiniblock; k < std::min(count, (m + 1) * kPerMiniblock); ++k) {
        all |= deltas[k];
      }
      int w = 0;
      while (w < 64 && (all >> w) != 0) ++w;
      widths[m] = static_cast<uint8_t>(w);
    }
    out->insert(out->end(), widths, widths + kMiniblocks);
    for (size_t m = 0; m < used; ++m) {
      BitPacker packer(out);
      for (size_t k = m * kPerMiniblock; k < (m + 1) * kPerMiniblock; ++k) {
        packer.Put(k < count ? deltas[k] : 0, widths[m]);  // the last miniblock is padded
      }
      packer.Flush();
    }
  }
}

}  // namespace frocket::parquet
