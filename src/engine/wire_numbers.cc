#include "engine/wire_numbers.h"

#include <cmath>

#include "common/json_text.h"
#include "parquet/logical_value.h"

namespace frocket::engine {

nlohmann::json WireDouble(double d) {
  if (std::isfinite(d)) return d;
  return std::isnan(d) ? "NaN" : (d > 0 ? "Infinity" : "-Infinity");
}

Result<double> ReadWireDouble(const nlohmann::json& j) {
  if (j.is_number()) return j.get<double>();
  if (j.is_string()) {
    const std::string& s = j.get_ref<const std::string&>();
    if (s == "NaN") return std::nan("");
    if (s == "Infinity") return INFINITY;
    if (s == "-Infinity") return -INFINITY;
  }
  return Status::Invalid("bad number in a part result: " + JsonText(j));
}

std::string WireInt128(__int128 v) {
  return parquet::Int128ToString(v);
}

Result<__int128> ParseInt128(const std::string& s) {
  // Digits accumulate as a negative number, so that the most negative value fits too.
  constexpr __int128 kMin = static_cast<__int128>(static_cast<unsigned __int128>(1) << 127);
  const bool negative = !s.empty() && s[0] == '-';
  size_t i = negative ? 1 : 0;
  if (i == s.size() || s.size() - i > 39) {
    return Status::Invalid("bad integer in a part result: " + s);
  }
  __int128 v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return Status::Invalid("bad integer in a part result: " + s);
    const int digit = s[i] - '0';
    if (v < (kMin + digit) / 10) return Status::Invalid("integer out of range: " + s);
    v = v * 10 - digit;
  }
  if (!negative && v == kMin) return Status::Invalid("integer out of range: " + s);
  return negative ? v : -v;
}

}  // namespace frocket::engine
