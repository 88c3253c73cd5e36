#include "table/value_codes.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <unordered_map>

#include "common/code_table.h"

namespace frocket::table {

namespace {

uint64_t FloatBits(double v) {
  if (v == 0) v = 0;                                                // -0.0 and 0.0 are one value
  if (std::isnan(v)) v = std::numeric_limits<double>::quiet_NaN();  // so is every NaN
  return std::bit_cast<uint64_t>(v);
}

int Rank(const Value& v) {
  return static_cast<int>(v.index());
}

}  // namespace

bool ValueLess(const Value& a, const Value& b) {
  if (a.index() != b.index()) return Rank(a) < Rank(b);
  if (const double* x = std::get_if<double>(&a)) {
    double y = std::get<double>(b);
    if (std::isnan(*x) || std::isnan(y)) return !std::isnan(*x) && std::isnan(y);  // NaN last
    return *x < y;
  }
  return a < b;
}

ValueCodes ValueCodes::Encode(const Column& column) {
  ValueCodes out;
  const int64_t n = column.length;
  if (column.is_dictionary()) {
    // The reader's codes already number the distinct values (dictionaries are merged).
    const parquet::ColumnVector& dict = *column.encoded.dictionary;
    out.values_.reserve(static_cast<size_t>(dict.length));
    for (int64_t i = 0; i < dict.length; ++i) {
      if (column.type == ColumnType::kString) {
        out.values_.emplace_back(std::string(dict.StringAt(i)));
      } else {
        out.values_.emplace_back(column.DictionaryInt(static_cast<int32_t>(i)));
      }
    }
    out.codes_ = column.encoded.codes.as<int32_t>();
    return out;
  }
  out.owned_codes_.Resize(static_cast<size_t>(n) * sizeof(int32_t));
  int32_t* codes = out.owned_codes_.as<int32_t>();
  out.codes_ = codes;
  // Null rows are skipped while encoding (their slots hold placeholders, not values) and get
  // the null code at the end.
  const bool has_nulls = column.null_count > 0;
  auto is_null = [&](int64_t r) { return has_nulls && column.IsNull(r); };
  switch (column.type) {
    case ColumnType::kBool: {
      out.values_ = {false, true};
      const uint8_t* v = column.bools();
      for (int64_t r = 0; r < n; ++r) codes[r] = v[r];
      break;
    }
    case ColumnType::kInt:
    case ColumnType::kFloat: {
      // Room for a distinct value every 16 rows, up to 65,536 (a group id column's, typically),
      // so that a part's values are coded without rehashing the table again and again.
      CodeTable table(static_cast<size_t>(std::min<int64_t>(n / 16, 1 << 16)));
      const bool is_int = column.type == ColumnType::kInt;
      const int64_t* ints = is_int ? column.ints() : nullptr;
      const double* floats = is_int ? nullptr : column.floats();
      for (int64_t r = 0; r < n; ++r) {
        if (is_null(r)) continue;
        uint64_t key = is_int ? static_cast<uint64_t>(ints[r]) : FloatBits(floats[r]);
        bool inserted;
        codes[r] = table.FindOrInsert(key, &inserted);
        if (inserted) {
          if (is_int) {
            out.values_.emplace_back(ints[r]);
          } else {
            out.values_.emplace_back(std::bit_cast<double>(key));
          }
        }
      }
      break;
    }
    case ColumnType::kString: {
      std::unordered_map<std::string_view, int32_t> table;
      table.reserve(1024);
      for (int64_t r = 0; r < n; ++r) {
        if (is_null(r)) continue;
        auto [it, inserted] =
            table.try_emplace(column.encoded.StringAt(r), static_cast<int32_t>(out.values_.size()));
        if (inserted) out.values_.emplace_back(std::string(it->first));
        codes[r] = it->second;
      }
      break;
    }
  }
  if (has_nulls) {
    const auto null_code = static_cast<int32_t>(out.values_.size());
    for (int64_t r = 0; r < n; ++r) {
      if (column.IsNull(r)) codes[r] = null_code;
    }
  }
  return out;
}

size_t ValueCodes::MemoryUsage() const {
  size_t bytes = owned_codes_.capacity() + values_.capacity() * sizeof(Value);
  for (const auto& v : values_) {
    if (const auto* s = std::get_if<std::string>(&v)) bytes += s->capacity();
  }
  return bytes;
}

}  // namespace frocket::table
