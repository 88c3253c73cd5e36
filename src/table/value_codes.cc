#include "table/value_codes.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <unordered_map>

namespace frocket::table {

namespace {

// Open-addressing hash table from 64-bit keys to codes, for encoding INT and FLOAT columns.
class CodeTable {
 public:
  CodeTable() { Rehash(1024); }

  // Returns the key's code, giving it the next code if new (*inserted = true).
  int32_t FindOrInsert(uint64_t key, bool* inserted) {
    size_t i = Slot(key);
    while (true) {
      if (codes_[i] < 0) {
        if ((size_ + 1) * 2 > codes_.size()) {
          Rehash(codes_.size() * 2);
          return FindOrInsert(key, inserted);
        }
        keys_[i] = key;
        codes_[i] = static_cast<int32_t>(size_++);
        *inserted = true;
        return codes_[i];
      }
      if (keys_[i] == key) {
        *inserted = false;
        return codes_[i];
      }
      i = (i + 1) & mask_;
    }
  }

 private:
  size_t Slot(uint64_t key) const { return (key * 0x9E3779B97F4A7C15ull) >> shift_; }
  void Rehash(size_t capacity) {
    std::vector<uint64_t> old_keys = std::move(keys_);
    std::vector<int32_t> old_codes = std::move(codes_);
    keys_.assign(capacity, 0);
    codes_.assign(capacity, -1);
    mask_ = capacity - 1;
    shift_ = 64 - std::countr_zero(capacity);
    for (size_t j = 0; j < old_codes.size(); ++j) {
      if (old_codes[j] < 0) continue;
      size_t i = Slot(old_keys[j]);
      while (codes_[i] >= 0) i = (i + 1) & mask_;
      keys_[i] = old_keys[j];
      codes_[i] = old_codes[j];
    }
  }

  std::vector<uint64_t> keys_;
  std::vector<int32_t> codes_;
  size_t mask_ = 0;
  int shift_ = 0;
  size_t size_ = 0;
};

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
  if (column.type == ColumnType::kString && column.is_dictionary()) {
    const parquet::ColumnVector& dict = *column.strings.dictionary;
    out.values_.reserve(static_cast<size_t>(dict.length));
    for (int64_t i = 0; i < dict.length; ++i)
      out.values_.emplace_back(std::string(dict.StringAt(i)));
    out.codes_ = column.strings.codes.as<int32_t>();
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
      CodeTable table;
      const bool is_int = column.type == ColumnType::kInt;
      for (int64_t r = 0; r < n; ++r) {
        if (is_null(r)) continue;
        uint64_t key =
            is_int ? static_cast<uint64_t>(column.ints()[r]) : FloatBits(column.floats()[r]);
        bool inserted;
        codes[r] = table.FindOrInsert(key, &inserted);
        if (inserted) {
          if (is_int) {
            out.values_.emplace_back(column.ints()[r]);
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
            table.try_emplace(column.strings.StringAt(r), static_cast<int32_t>(out.values_.size()));
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
