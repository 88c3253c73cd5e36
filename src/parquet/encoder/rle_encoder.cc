#include "parquet/encoder/rle_encoder.h"

#include <algorithm>
#include <cstring>

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
  if (bit_width <= 8) {
    // Eight values of up to 8 bits fill `bit_width` bytes exactly: packed in a word at a time.
    const size_t at = out->size();
    out->resize(at + groups * static_cast<size_t>(bit_width));
    uint8_t* dst = out->data() + at;
    for (size_t g = 0; g < groups; ++g, dst += bit_width) {
      uint64_t word = 0;
      for (size_t k = 0; k < 8; ++k) {
        const size_t i = g * 8 + k;
        const uint64_t v = i < count ? values[i] : 0;
        word |= v << (k * static_cast<size_t>(bit_width));
      }
      std::memcpy(dst, &word, static_cast<size_t>(bit_width));  // little-endian, as the format
    }
    return;
  }
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
    // A literal stretch up to the next run of 8 or more, rounded up to whole groups of 8: the
    // first value that is the 8th equal one in a row ends the stretch 7 values earlier.
    size_t j = n;
    size_t same = 1;
    for (size_t k = i + run; k < n; ++k) {
      same = values[k] == values[k - 1] ? same + 1 : 1;
      if (same == 8) {
        j = k - 7;
        break;
      }
    }
    size_t count = std::min(n - i, (j - i + 7) / 8 * 8);
    PutLiteral(out, values.data() + i, count, bit_width);
    i += count;
  }
}

}  // namespace frocket::parquet
