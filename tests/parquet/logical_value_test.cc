// Conversions of stored values to what they mean, against values computed by hand.
#include "parquet/logical_value.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

namespace frocket::parquet {
namespace {

TEST(Decimal, BigEndianTwosComplementOfAnyLength) {
  const uint8_t minus_two[] = {0xff, 0xfe};
  EXPECT_EQ(DecimalToString(minus_two, 2, 2), "-0.02");
  const uint8_t one_two_three[] = {0x00, 0x00, 0x30, 0x39};  // 12345
  EXPECT_EQ(DecimalToString(one_two_three, 4, 4), "1.2345");
  EXPECT_EQ(DecimalToString(one_two_three, 4, 0), "12345");
  EXPECT_EQ(DecimalToString(one_two_three, 4, 7), "0.0012345");
  const uint8_t zero[] = {0x00};
  EXPECT_EQ(DecimalToString(zero, 1, 3), "0.000");
  // 2^127 - 1 in 16 bytes = 170141183460469231731687303715884105727.
  uint8_t max128[16];
  std::memset(max128, 0xff, 16);
  max128[0] = 0x7f;
  EXPECT_EQ(DecimalToString(max128, 16, 10), "17014118346046923173168730371.5884105727");
  // -(2^255) in 32 bytes.
  uint8_t min256[32] = {0x80};
  EXPECT_EQ(DecimalToString(min256, 32, 0),
            "-57896044618658097711785492504343953926634992332820282019728792003956564819968");
}

TEST(Decimal, FromInt64) {
  EXPECT_EQ(DecimalToString(int64_t{-50}, 2), "-0.50");
  EXPECT_EQ(DecimalToString(INT64_MIN, 3), "-9223372036854775.808");
  EXPECT_EQ(DecimalToString(int64_t{7}, 0), "7");
}

TEST(Int96, NanosecondsSinceEpoch) {
  uint8_t v[12] = {};
  int32_t epoch_day = 2440588;
  std::memcpy(v + 8, &epoch_day, 4);
  EXPECT_EQ(Int128ToString(Int96ToNanos(v)), "0");
  int64_t nanos = 1;
  int32_t next_day = 2440589;
  std::memcpy(v, &nanos, 8);
  std::memcpy(v + 8, &next_day, 4);
  EXPECT_EQ(Int128ToString(Int96ToNanos(v)), "86400000000001");
  // Beyond int64: Julian day 5373484 (year 9999) -> (5373484 - 2440588) * 86400e9.
  int32_t far = 5373484;
  nanos = 0;
  std::memcpy(v, &nanos, 8);
  std::memcpy(v + 8, &far, 4);
  EXPECT_EQ(Int128ToString(Int96ToNanos(v)), "253402214400000000000");
}

TEST(Float16, ExactValues) {
  EXPECT_EQ(Float16ToDouble(0x3c00), 1.0);
  EXPECT_EQ(Float16ToDouble(0xc000), -2.0);
  EXPECT_EQ(Float16ToDouble(0x7bff), 65504.0);
  EXPECT_EQ(Float16ToDouble(0x0001), std::ldexp(1.0, -24));
  EXPECT_EQ(Float16ToDouble(0x3555), 0.333251953125);
  double negative_zero = Float16ToDouble(0x8000);
  EXPECT_EQ(negative_zero, 0.0);
  EXPECT_TRUE(std::signbit(negative_zero));
  EXPECT_TRUE(std::isinf(Float16ToDouble(0x7c00)));
  EXPECT_TRUE(std::isnan(Float16ToDouble(0x7e00)));
}

TEST(Uuid, LowercaseHexGroups) {
  const uint8_t v[16] = {0x55, 0x0e, 0x84, 0x00, 0xe2, 0x9b, 0x41, 0xd4,
                         0xa7, 0x16, 0x44, 0x66, 0x55, 0x44, 0x00, 0x00};
  EXPECT_EQ(UuidToString(v), "550e8400-e29b-41d4-a716-446655440000");
}

}  // namespace
}  // namespace frocket::parquet
