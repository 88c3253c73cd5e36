// Bit helpers for validity bitmaps: bit i of byte i/8, least significant bit first (the
// layout Arrow and Parquet's bit-packing both use).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace frocket::bitmap {

inline size_t BytesFor(size_t bits) {
  return (bits + 7) / 8;
}
inline bool Get(const uint8_t* bits, size_t i) {
  return (bits[i >> 3] >> (i & 7)) & 1;
}
inline void Set(uint8_t* bits, size_t i) {
  bits[i >> 3] |= static_cast<uint8_t>(1u << (i & 7));
}
inline void Clear(uint8_t* bits, size_t i) {
  bits[i >> 3] &= static_cast<uint8_t>(~(1u << (i & 7)));
}
inline void SetTo(uint8_t* bits, size_t i, bool value) {
  bits[i >> 3] = static_cast<uint8_t>((bits[i >> 3] & ~(1u << (i & 7))) |
                                      (static_cast<unsigned>(value) << (i & 7)));
}

// Sets bits [begin, end).
inline void SetRange(uint8_t* bits, size_t begin, size_t end) {
  while (begin < end && (begin & 7) != 0) Set(bits, begin++);
  size_t whole_end = end & ~size_t{7};
  if (begin < whole_end) {
    std::memset(bits + begin / 8, 0xff, (whole_end - begin) / 8);
    begin = whole_end;
  }
  while (begin < end) Set(bits, begin++);
}

// Number of set bits in [0, length).
inline size_t CountSet(const uint8_t* bits, size_t length) {
  size_t count = 0;
  size_t whole = length / 64;
  for (size_t w = 0; w < whole; ++w) {
    uint64_t word;
    std::memcpy(&word, bits + w * 8, 8);
    count += static_cast<size_t>(std::popcount(word));
  }
  for (size_t i = whole * 64; i < length; ++i) count += Get(bits, i);
  return count;
}

}  // namespace frocket::bitmap
