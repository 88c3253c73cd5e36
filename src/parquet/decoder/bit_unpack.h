// Bit unpacking for Parquet's LSB-first bit-packing (RLE/bit-packed hybrid runs and
// DELTA_BINARY_PACKED miniblocks).
//
// Values come in groups of 8, and 8 values of W bits take exactly W bytes, so a group never
// needs a byte beyond its own: the unpackers below read exactly `groups * W` bytes. The bit
// width is a template parameter so that every shift and mask is a constant; Dispatch()
// picks the instantiation once per run, not per value.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>

namespace frocket::parquet {

static_assert(std::endian::native == std::endian::little,
              "the decoders assume a little-endian machine");

namespace bit_unpack_detail {

template <typename T, int W, int Bit>
inline T Extract(const uint8_t* in) {
  constexpr int kFirst = Bit / 8;
  constexpr int kLast = (Bit + W - 1) / 8;
  constexpr int kBytes = kLast - kFirst + 1;
  constexpr int kShift = Bit % 8;
  if constexpr (kBytes <= 8) {
    uint64_t v = 0;
    std::memcpy(&v, in + kFirst, kBytes);
    v >>= kShift;
    if constexpr (W < 64) v &= (uint64_t{1} << W) - 1;
    return static_cast<T>(v);
  } else {
    unsigned __int128 v = 0;
    std::memcpy(&v, in + kFirst, kBytes);
    v >>= kShift;
    uint64_t r = static_cast<uint64_t>(v);
    if constexpr (W < 64) r &= (uint64_t{1} << W) - 1;
    return static_cast<T>(r);
  }
}

template <typename T, int W, size_t... J>
inline void Unpack8(const uint8_t* in, T* out, std::index_sequence<J...>) {
  ((out[J] = Extract<T, W, static_cast<int>(J) * W>(in)), ...);
}

}  // namespace bit_unpack_detail

// Unpacks `groups` groups of 8 values of W bits from `in` (reading groups*W bytes).
template <typename T, int W>
inline void UnpackGroups(const uint8_t* in, T* out, size_t groups) {
  if constexpr (W == 0) {
    std::memset(out, 0, groups * 8 * sizeof(T));
  } else {
    for (size_t g = 0; g < groups; ++g) {
      bit_unpack_detail::Unpack8<T, W>(in + g * W, out + g * 8, std::make_index_sequence<8>{});
    }
  }
}

// Unpacks with a runtime bit width. REQUIRES: width <= 8 * sizeof(T).
template <typename T>
inline void UnpackGroups(const uint8_t* in, int width, T* out, size_t groups) {
  using Fn = void (*)(const uint8_t*, T*, size_t);
  static constexpr auto kTable = []<size_t... W>(std::index_sequence<W...>) {
    return std::array<Fn, sizeof...(W)>{&UnpackGroups<T, static_cast<int>(W)>...};
  }
  (std::make_index_sequence<sizeof(T) * 8 + 1>{});
  kTable[static_cast<size_t>(width)](in, out, groups);
}

}  // namespace frocket::parquet
