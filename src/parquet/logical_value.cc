#include "parquet/logical_value.h"

#include <cmath>
#include <cstring>
#include <vector>

namespace frocket::parquet {

namespace {

// Places the point `scale` digits from the right of a string of decimal digits.
std::string PlacePoint(std::string digits, bool negative, int32_t scale) {
  if (scale > 0) {
    if (digits.size() <= static_cast<size_t>(scale)) {
      digits.insert(0, static_cast<size_t>(scale) - digits.size() + 1, '0');
    }
    digits.insert(digits.size() - static_cast<size_t>(scale), 1, '.');
  }
  if (negative) digits.insert(0, 1, '-');
  return digits;
}

}  // namespace

std::string DecimalToString(const uint8_t* big_endian, size_t length, int32_t scale) {
  if (length == 0) return PlacePoint("0", false, scale);
  bool negative = (big_endian[0] & 0x80) != 0;
  // Magnitude as little-endian 32-bit limbs.
  std::vector<uint32_t> limbs((length + 3) / 4, 0);
  for (size_t i = 0; i < length; ++i) {
    uint8_t byte = big_endian[length - 1 - i];
    if (negative) byte = static_cast<uint8_t>(~byte);
    limbs[i / 4] |= static_cast<uint32_t>(byte) << (8 * (i % 4));
  }
  if (negative) {  // two's complement: magnitude = ~x + 1
    for (auto& limb : limbs) {
      if (++limb != 0) break;
    }
  }
  // Repeated division by 10^9.
  std::string digits;
  while (true) {
    bool zero = true;
    uint64_t remainder = 0;
    for (size_t i = limbs.size(); i-- > 0;) {
      uint64_t cur = (remainder << 32) | limbs[i];
      limbs[i] = static_cast<uint32_t>(cur / 1000000000u);
      remainder = cur % 1000000000u;
      zero &= limbs[i] == 0;
    }
    char chunk[16];
    int n =
        std::snprintf(chunk, sizeof(chunk), zero ? "%u" : "%09u", static_cast<unsigned>(remainder));
    digits.insert(0, chunk, static_cast<size_t>(n));
    if (zero) break;
  }
  return PlacePoint(digits, negative && digits != "0", scale);
}

std::string DecimalToString(int64_t unscaled, int32_t scale) {
  uint8_t be[8];
  auto u = static_cast<uint64_t>(unscaled);
  for (int i = 0; i < 8; ++i) be[7 - i] = static_cast<uint8_t>(u >> (8 * i));
  return DecimalToString(be, 8, scale);
}

__int128 Int96ToNanos(const uint8_t* value) {
  int64_t nanos_of_day;
  int32_t julian_day;
  std::memcpy(&nanos_of_day, value, 8);
  std::memcpy(&julian_day, value + 8, 4);
  constexpr int64_t kUnixEpochJulianDay = 2440588;
  constexpr int64_t kNanosPerDay = 86400LL * 1000000000LL;
  return static_cast<__int128>(static_cast<int64_t>(julian_day) - kUnixEpochJulianDay) *
             kNanosPerDay +
         nanos_of_day;
}

std::string Int128ToString(__int128 v) {
  if (v == 0) return "0";
  bool negative = v < 0;
  unsigned __int128 u =
      negative ? -static_cast<unsigned __int128>(v) : static_cast<unsigned __int128>(v);
  std::string digits;
  while (u > 0) {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  }
  if (negative) digits.insert(digits.begin(), '-');
  return digits;
}

double Float16ToDouble(uint16_t half) {
  const bool negative = (half & 0x8000) != 0;
  const int exponent = (half >> 10) & 0x1f;
  const int mantissa = half & 0x3ff;
  double value;
  if (exponent == 0) {
    value = std::ldexp(static_cast<double>(mantissa), -24);  // subnormal
  } else if (exponent == 31) {
    value = mantissa == 0 ? INFINITY : NAN;
  } else {
    value = std::ldexp(static_cast<double>(mantissa + 1024), exponent - 25);
  }
  return negative ? -value : value;
}

std::string UuidToString(const uint8_t* bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 0xf]);
  }
  return out;
}

}  // namespace frocket::parquet
