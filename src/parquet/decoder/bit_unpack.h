// Bit unpacking for Parquet's LSB-first bit-packing (RLE/bit-packed hybrid runs and
// DELTA_BINARY_PACKED miniblocks).
//
// Values come in groups of 8, and 8 values of W bits take exactly W bytes, so a group never
// needs a byte beyond its own: the unpackers below read exactly `groups * W` bytes. The bit
// width is a template parameter so that every shift and mask is a constant; the entry points
// with a runtime width pick the instantiation from a table (WidthTable) once per run, not per
// value.
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

// Values of group J at bit offset J*W read as one unaligned 8-byte load; the load may run up
// to 8 bytes past the group's own bytes, so callers use it only where more groups follow.
template <typename T, int W, size_t... J>
inline void Unpack8Wide(const uint8_t* in, T* out, std::index_sequence<J...>) {
  auto one = [in](size_t bit) {
    uint64_t v;
    std::memcpy(&v, in + bit / 8, 8);
    v >>= bit % 8;
    if constexpr (W < 64) v &= (uint64_t{1} << W) - 1;
    return static_cast<T>(v);
  };
  ((out[J] = one(J * W)), ...);
}

// The instantiations entry<0>() .. entry<N - 1>() of a function template, as a table indexed
// by bit width: what the entry points with a runtime width call through.
template <size_t N, typename Entry>
constexpr auto WidthTable(Entry entry) {
  return [&]<size_t... W>(std::index_sequence<W...>) {
    return std::array{entry.template operator()<static_cast<int>(W)>()...};
  }
  (std::make_index_sequence<N>{});
}

}  // namespace bit_unpack_detail

// Unpacks `groups` groups of 8 values of W bits from `in`, reading no byte beyond the
// groups*W it is given: the wide loads run over groups with at least 8 bytes of later
// groups after them, the last few groups are read byte-exactly.
template <typename T, int W>
inline void UnpackGroups(const uint8_t* in, T* out, size_t groups) {
  if constexpr (W == 0) {
    std::memset(out, 0, groups * 8 * sizeof(T));
  } else {
    size_t g = 0;
    if constexpr (W <= 56) {
      // Group g's wide loads end before byte (g + 1) * W + 8 <= groups * W.
      constexpr size_t kTail = 1 + (8 + W - 1) / W;
      const size_t wide = groups > kTail ? groups - kTail : 0;
      for (; g < wide; ++g) {
        bit_unpack_detail::Unpack8Wide<T, W>(in + g * W, out + g * 8,
                                             std::make_index_sequence<8>{});
      }
    }
    for (; g < groups; ++g) {
      bit_unpack_detail::Unpack8<T, W>(in + g * W, out + g * 8, std::make_index_sequence<8>{});
    }
  }
}

// UnpackGroups where at least 8 bytes after the groups may be read too (more of the same page
// follows them): every group by wide loads. Short runs of groups (a DELTA_BINARY_PACKED
// miniblock is 4) would otherwise read half of theirs byte-exactly.
template <typename T, int W>
inline void UnpackGroupsWide(const uint8_t* in, T* out, size_t groups) {
  if constexpr (W == 0 || W > 56) {
    UnpackGroups<T, W>(in, out, groups);
  } else {
    for (size_t g = 0; g < groups; ++g) {
      bit_unpack_detail::Unpack8Wide<T, W>(in + g * W, out + g * 8, std::make_index_sequence<8>{});
    }
  }
}

// UnpackGroupsWide with a runtime bit width. REQUIRES: width <= 8 * sizeof(T).
template <typename T>
inline void UnpackGroupsWide(const uint8_t* in, int width, T* out, size_t groups) {
  static constexpr auto kTable = bit_unpack_detail::WidthTable<sizeof(T) * 8 + 1>(
      []<int W>() { return &UnpackGroupsWide<T, W>; });
  kTable[static_cast<size_t>(width)](in, out, groups);
}

// Unpacks with a runtime bit width. REQUIRES: width <= 8 * sizeof(T).
template <typename T>
inline void UnpackGroups(const uint8_t* in, int width, T* out, size_t groups) {
  static constexpr auto kTable =
      bit_unpack_detail::WidthTable<sizeof(T) * 8 + 1>([]<int W>() { return &UnpackGroups<T, W>; });
  kTable[static_cast<size_t>(width)](in, out, groups);
}

// Sets marks[v] = 1 for every value v of `groups` groups of W bits, reading the bytes
// UnpackGroups reads: what a set of the values needs, without the values stored in between.
// REQUIRES: marks has 2^W bytes.
template <int W>
inline void MarkGroups(const uint8_t* in, uint8_t* marks, size_t groups) {
  if constexpr (W == 0) {
    if (groups > 0) marks[0] = 1;  // every value is 0
    return;
  }
  uint32_t v[8];
  size_t g = 0;
  if constexpr (W > 0 && W <= 56) {
    constexpr size_t kTail = 1 + (8 + W - 1) / W;
    const size_t wide = groups > kTail ? groups - kTail : 0;
    for (; g < wide; ++g) {
      bit_unpack_detail::Unpack8Wide<uint32_t, W>(in + g * W, v, std::make_index_sequence<8>{});
      for (uint32_t x : v) marks[x] = 1;
    }
  }
  for (; g < groups; ++g) {
    UnpackGroups<uint32_t, W>(in + g * W, v, 1);
    for (uint32_t x : v) marks[x] = 1;
  }
}

// With a runtime bit width. REQUIRES: width <= 32.
inline void MarkGroups(const uint8_t* in, int width, uint8_t* marks, size_t groups) {
  static constexpr auto kTable =
      bit_unpack_detail::WidthTable<33>([]<int W>() { return &MarkGroups<W>; });
  kTable[static_cast<size_t>(width)](in, marks, groups);
}

}  // namespace frocket::parquet
