#include "engine/predicate.h"

#include <re2/re2.h>

#include <cmath>
#include <cstring>

namespace frocket::engine {

namespace {

using query::Op;
using table::Column;

// Whether a row whose value is NULL matches.
bool NullMatches(Op op) {
  return op == Op::kNe || op == Op::kNotContains;
}

template <typename T>
bool Compare(Op op, T a, T b) {
  switch (op) {
    case Op::kEq:
      return a == b;
    case Op::kNe:
      return a != b;
    case Op::kGt:
      return a > b;
    case Op::kGe:
      return a >= b;
    case Op::kLt:
      return a < b;
    case Op::kLe:
      return a <= b;
    default:
      return false;
  }
}

// Sets mask[i] to `null_value` where row begin + i is NULL.
void ApplyNulls(const Column& c, int64_t begin, int64_t n, uint8_t null_value, uint8_t* mask) {
  if (c.validity.empty()) return;
  const uint8_t* bits = c.validity.data();
  for (int64_t i = 0; i < n; ++i) {
    uint8_t valid = bitmap::Get(bits, static_cast<size_t>(begin + i));
    mask[i] = valid ? mask[i] : null_value;
  }
}

// value OP constant over a numeric or boolean column, one loop per operator.
template <typename T>
class CompareEvaluator final : public FilterEvaluator {
 public:
  CompareEvaluator(const Column& column, const T* values, Op op, T constant)
      : column_(column), values_(values), op_(op), constant_(constant) {}

  void Eval(int64_t begin, int64_t n, uint8_t* mask) const override {
    const T* v = values_ + begin;
    const T c = constant_;
    switch (op_) {
      case Op::kEq:
        for (int64_t i = 0; i < n; ++i) mask[i] = v[i] == c;
        break;
      case Op::kNe:
        for (int64_t i = 0; i < n; ++i) mask[i] = v[i] != c;
        break;
      case Op::kGt:
        for (int64_t i = 0; i < n; ++i) mask[i] = v[i] > c;
        break;
      case Op::kGe:
        for (int64_t i = 0; i < n; ++i) mask[i] = v[i] >= c;
        break;
      case Op::kLt:
        for (int64_t i = 0; i < n; ++i) mask[i] = v[i] < c;
        break;
      case Op::kLe:
        for (int64_t i = 0; i < n; ++i) mask[i] = v[i] <= c;
        break;
      default:
        std::memset(mask, 0, static_cast<size_t>(n));
    }
    ApplyNulls(column_, begin, n, NullMatches(op_), mask);
  }

 private:
  const Column& column_;
  const T* values_;
  Op op_;
  T constant_;
};

// An INT column against a non-integer constant: the comparison is exact in long double.
class IntVsFloatEvaluator final : public FilterEvaluator {
 public:
  IntVsFloatEvaluator(const Column& column, Op op, double constant)
      : column_(column), op_(op), constant_(constant) {}
  void Eval(int64_t begin, int64_t n, uint8_t* mask) const override {
    const int64_t* v = column_.ints() + begin;
    for (int64_t i = 0; i < n; ++i) {
      mask[i] = Compare<long double>(op_, static_cast<long double>(v[i]), constant_);
    }
    ApplyNulls(column_, begin, n, NullMatches(op_), mask);
  }

 private:
  const Column& column_;
  Op op_;
  long double constant_;
};

bool StringMatches(Op op, std::string_view s, const std::string& c, const RE2* re) {
  switch (op) {
    case Op::kContains:
      return s.find(c) != std::string_view::npos;
    case Op::kNotContains:
      return s.find(c) == std::string_view::npos;
    case Op::kRegex:
      return RE2::PartialMatch(s, *re);
    default:
      return Compare<std::string_view>(op, s, c);
  }
}

// A dictionary-form string column: the filter was evaluated per dictionary entry into
// `matches` (one more entry for the null code); rows look their code up.
class DictionaryEvaluator final : public FilterEvaluator {
 public:
  DictionaryEvaluator(const int32_t* codes, std::vector<uint8_t> matches)
      : codes_(codes), matches_(std::move(matches)) {}
  void Eval(int64_t begin, int64_t n, uint8_t* mask) const override {
    const int32_t* codes = codes_ + begin;
    const uint8_t* lut = matches_.data();
    for (int64_t i = 0; i < n; ++i) mask[i] = lut[codes[i]];
  }

 private:
  const int32_t* codes_;
  std::vector<uint8_t> matches_;
};

// A plain-form string column: the filter runs on every row.
class PlainStringEvaluator final : public FilterEvaluator {
 public:
  PlainStringEvaluator(const Column& column, Op op, std::string constant)
      : column_(column), op_(op), constant_(std::move(constant)) {
    if (op_ == Op::kRegex) re_ = std::make_unique<RE2>(constant_, RE2::Quiet);
  }
  void Eval(int64_t begin, int64_t n, uint8_t* mask) const override {
    for (int64_t i = 0; i < n; ++i) {
      mask[i] = StringMatches(op_, column_.encoded.StringAt(begin + i), constant_, re_.get());
    }
    ApplyNulls(column_, begin, n, NullMatches(op_), mask);
  }

 private:
  const Column& column_;
  Op op_;
  std::string constant_;
  std::unique_ptr<RE2> re_;
};

// `x` rounded to the nearest value of a `bits`-bit IEEE float (ties to even), as a double:
// a FLOAT column compares in its own precision, as pandas compared float32 columns for
// Funnel Rocket (its literal 0.1 matches a stored 0.1f).
double NarrowTo(int bits, double x) {
  if (bits == 32) {
    // FLT_MAX plus half its last place: from there on, the nearest float is infinity.
    constexpr double kInfinityFrom = 3.4028235677973366e38;
    if (std::fabs(x) >= kInfinityFrom) return std::copysign(INFINITY, x);
    return static_cast<float>(x);
  }
  if (bits == 16) {
    if (!std::isfinite(x) || x == 0) return x;
    constexpr double kMinNormal = 0x1p-14;
    double rounded;
    if (std::fabs(x) < kMinNormal) {
      rounded = std::nearbyint(x * 0x1p24) * 0x1p-24;  // subnormal: steps of 2^-24
    } else {
      int e;
      double m = std::frexp(x, &e);  // x = m * 2^e, 0.5 <= |m| < 1: 11 significant bits
      rounded = std::ldexp(std::nearbyint(m * 2048) / 2048, e);
    }
    return std::fabs(rounded) > 65504 ? std::copysign(INFINITY, x) : rounded;
  }
  return x;
}

template <typename T, typename... Args>
std::shared_ptr<const FilterEvaluator> Make(Args&&... args) {
  return std::make_shared<const T>(std::forward<Args>(args)...);
}

// A filter on a column in dictionary form: `matches(e)` runs once per dictionary entry, NULL
// rows (code = the dictionary's length) take the operator's NULL answer, and rows look theirs
// up — the column's values are never written out per row.
template <typename Matches>
std::shared_ptr<const FilterEvaluator> ByDictionary(const Column& c, Op op, Matches matches) {
  const int64_t n = c.encoded.dictionary->length;
  std::vector<uint8_t> lut(static_cast<size_t>(n) + 1);
  for (int64_t e = 0; e < n; ++e) lut[static_cast<size_t>(e)] = matches(e);
  lut[static_cast<size_t>(n)] = NullMatches(op);
  return Make<DictionaryEvaluator>(c.encoded.codes.as<int32_t>(), std::move(lut));
}

Result<std::shared_ptr<const FilterEvaluator>> CompileFilter(const query::Filter& f,
                                                             const table::Part& part) {
  const Column* c = part.FindColumn(f.column);
  if (c == nullptr) {
    return Status::Invalid("internal error: column '" + f.column + "' was not loaded");
  }
  auto mismatch = [&] {
    return Status::Invalid("internal error: filter value does not fit column '" + f.column + "'");
  };
  switch (c->type) {
    case ColumnType::kInt: {
      const int64_t* entries =
          c->is_dictionary() ? c->encoded.dictionary->values_as<int64_t>() : nullptr;
      if (const int64_t* v = std::get_if<int64_t>(&f.value)) {
        if (entries) {
          return ByDictionary(*c, f.op,
                              [&](int64_t e) { return Compare<int64_t>(f.op, entries[e], *v); });
        }
        return Make<CompareEvaluator<int64_t>>(*c, c->ints(), f.op, *v);
      }
      if (const double* v = std::get_if<double>(&f.value)) {
        if (entries) {
          const auto constant = static_cast<long double>(*v);
          return ByDictionary(*c, f.op, [&](int64_t e) {
            return Compare<long double>(f.op, static_cast<long double>(entries[e]), constant);
          });
        }
        return Make<IntVsFloatEvaluator>(*c, f.op, *v);
      }
      return mismatch();
    }
    case ColumnType::kFloat: {
      double constant;
      if (const int64_t* v = std::get_if<int64_t>(&f.value)) {
        constant = static_cast<double>(*v);
      } else if (const double* d = std::get_if<double>(&f.value)) {
        constant = *d;
      } else {
        return mismatch();
      }
      return Make<CompareEvaluator<double>>(*c, c->floats(), f.op,
                                            NarrowTo(c->float_bits, constant));
    }
    case ColumnType::kBool: {
      const bool* v = std::get_if<bool>(&f.value);
      if (v == nullptr) return mismatch();
      return Make<CompareEvaluator<uint8_t>>(*c, c->bools(), f.op, static_cast<uint8_t>(*v));
    }
    case ColumnType::kString: {
      const std::string* v = std::get_if<std::string>(&f.value);
      if (v == nullptr) return mismatch();
      if (!c->is_dictionary()) return Make<PlainStringEvaluator>(*c, f.op, *v);
      std::unique_ptr<RE2> re;
      if (f.op == Op::kRegex) {
        re = std::make_unique<RE2>(*v, RE2::Quiet);
        if (!re->ok()) return Status::Invalid("invalid regular expression: " + re->error());
      }
      const parquet::ColumnVector& dict = *c->encoded.dictionary;
      return ByDictionary(
          *c, f.op, [&](int64_t e) { return StringMatches(f.op, dict.StringAt(e), *v, re.get()); });
    }
  }
  return mismatch();
}

}  // namespace

Result<CompiledPredicate> CompiledPredicate::Compile(const query::RowPredicate& predicate,
                                                     const table::Part& part) {
  CompiledPredicate p;
  for (const auto& f : predicate.filters) {
    FROCKET_ASSIGN_OR_RETURN(auto evaluator, CompileFilter(f, part));
    p.filters_.push_back(std::move(evaluator));
  }
  return p;
}

void CompiledPredicate::Eval(int64_t begin, int64_t n, uint8_t* mask) const {
  if (filters_.empty()) {
    std::memset(mask, 1, static_cast<size_t>(n));
    return;
  }
  filters_[0]->Eval(begin, n, mask);
  uint8_t other[kMaxBatch];
  for (size_t f = 1; f < filters_.size(); ++f) {
    filters_[f]->Eval(begin, n, other);
    for (int64_t i = 0; i < n; ++i) mask[i] &= other[i];
  }
}

}  // namespace frocket::engine
