// Crc32 against the CRC-32 catalogue's check value and against zlib's crc32 (an independent
// implementation) on buffers of every length up to 300 bytes and a few large ones, at every
// alignment up to 16.
#include "common/crc32.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <random>
#include <string_view>
#include <vector>

namespace frocket {
namespace {

TEST(Crc32, IsTheCatalogueCheckValue) {
  const std::string_view check = "123456789";
  EXPECT_EQ(Crc32({reinterpret_cast<const uint8_t*>(check.data()), check.size()}), 0xCBF43926u);
  EXPECT_EQ(Crc32({}), 0u);
}

TEST(Crc32, AgreesWithZlib) {
  std::vector<uint8_t> bytes(1 << 20);
  std::mt19937_64 rng(3);
  for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
  auto zlib = [&](size_t offset, size_t n) {
    return static_cast<uint32_t>(crc32(0, bytes.data() + offset, static_cast<uInt>(n)));
  };
  for (size_t offset = 0; offset < 16; ++offset) {
    for (size_t n = 0; n <= 300; ++n) {
      ASSERT_EQ(Crc32({bytes.data() + offset, n}), zlib(offset, n)) << offset << " " << n;
    }
  }
  for (size_t n : {size_t{4095}, size_t{65536}, size_t{1 << 20} - 16}) {
    EXPECT_EQ(Crc32({bytes.data() + 3, n}), zlib(3, n)) << n;
  }
}

}  // namespace
}  // namespace frocket
