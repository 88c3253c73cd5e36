#include "parquet/encoder/rle_encoder.h"

#include <algorithm>

#include "parquet/encoder/bit_packer.h"

namespace frocket::parquet {

namespace {

void PutUleb(std::vector<uint8_t>* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<uint8_t>(v));
}

void PutRle(std::vector<uint8_t>* out, uint32_t value, size_t count, int bit_width) {
  PutUleb(out, static_cast<uint64_t>(count) << 1);
  for (int b = 0; b < (bit_width + 7) / 8; ++b)
    out->push_back(static_cast<uint8_t>(value >> (8 * b)));
}

// `count` values, a multiple of 8 unless these are the last values of the stream.
void PutLiteral(std::vector<uint8_t>* out, const uint32_t* values, size_t count, int bit_width) {
  const size_t groups = (count + 7) / 8;
  PutUleb(out, (static_cast<uint64_t>(groups) << 1) | 1);
  BitPacker packer(out);
  for (size_t i = 0; i < groups * 8; ++i) packer.Put(i < count ? values[i] : 0, bit_width);
  packer.Flush();
}

}  // namespace

void EncodeRleBitPacked(std::span<const uint32_t> values, int bit_width,
                        std::vector<uint8_t>* out) {
  const size_t n = values.size();
  size_t i = 0;
  while (i < n) {
    size_t run = 1;
    while (i + run < n && values[i + run] == values[i]) ++run;
    if (run >= 8) {
      PutRle(out, values[i], run, bit_width);
      i += run;
      continue;
    }
    // A literal stretch up to the next run of 8 or more, rounded up to whole groups of 8.
    size_t j = i + run;
    while (j < n) {
      size_t r = 1;
      while (j + r < n && values[j + r] == values[j]) ++r;
      if (r >= 8) break;
      j += r;
    }
    size_t count = std::min(n - i, (j - i + 7) / 8 * 8);
    PutLiteral(out, values.data() + i, count, bit_width);
    i += count;
  }
}

}  // namespace frocket::parquet
