#include "engine/row_condition.h"

namespace frocket::engine {

namespace {

template <typename A, typename B>
bool CompareNumbers(query::Op op, A a, B b) {
  const auto x = static_cast<long double>(a);
  const auto y = static_cast<long double>(b);
  switch (op) {
    case query::Op::kEq:
      return x == y;
    case query::Op::kNe:
      return x != y;
    case query::Op::kGt:
      return x > y;
    case query::Op::kGe:
      return x >= y;
    case query::Op::kLt:
      return x < y;
    case query::Op::kLe:
      return x <= y;
    default:
      return false;
  }
}

bool CompareTarget(query::Op op, long double a, const query::Literal& value) {
  if (const int64_t* i = std::get_if<int64_t>(&value)) return CompareNumbers(op, a, *i);
  return CompareNumbers(op, a, std::get<double>(value));
}

}  // namespace

Result<RowCondition> RowCondition::Make(const query::Condition& condition, int predicate,
                                        const PartScan& scan) {
  RowCondition rc(condition, predicate, scan);
  rc.counts_.assign(scan.groups, 0);
  if (condition.target.type == query::Target::Type::kCount) return rc;
  rc.sum_column_ = scan.part.FindColumn(condition.target.column);
  if (rc.sum_column_ == nullptr) {
    return Status::Invalid("internal error: column '" + condition.target.column + "' not loaded");
  }
  if (rc.sum_column_->type == ColumnType::kInt) {
    rc.int_sums_.assign(scan.groups, 0);
  } else {
    rc.float_sums_.assign(scan.groups, CompensatedSum{});
  }
  return rc;
}

template <typename Sum, typename Value>
void RowCondition::AddSums(const uint8_t* mask, const Value* values, Sum* sums, int64_t batch,
                           int64_t n) {
  const table::Column& c = *sum_column_;
  const bool nulls = !c.validity.empty();
  const int32_t* ord = scan_->ordinals + batch;
  const Value* v = values + batch;
  for (int64_t i = 0; i < n; ++i) {
    if (!mask[i] || (nulls && c.IsNull(batch + i))) continue;
    if constexpr (std::is_same_v<Sum, CompensatedSum>) {
      sums[ord[i]].Add(v[i]);
    } else {
      sums[ord[i]] += v[i];
    }
  }
}

void RowCondition::Update(const BatchMasks& masks, int64_t batch, int64_t n) {
  const uint8_t* mask = masks[static_cast<size_t>(predicate_)].data();
  const int32_t* ord = scan_->ordinals + batch;
  uint32_t* counts = counts_.data();
  for (int64_t i = 0; i < n; ++i) counts[ord[i]] += mask[i];
  if (sum_column_ == nullptr) return;
  if (sum_column_->type == ColumnType::kInt) {
    AddSums(mask, sum_column_->ints(), int_sums_.data(), batch, n);
  } else {
    AddSums(mask, sum_column_->floats(), float_sums_.data(), batch, n);
  }
}

std::vector<uint8_t> RowCondition::Flags(const std::vector<uint8_t>& existing) const {
  std::vector<uint8_t> flags(scan_->groups, 0);
  const query::Target& target = condition_->target;
  for (size_t g = 0; g < scan_->groups; ++g) {
    if (!existing[g]) continue;
    const uint32_t matched = counts_[g];
    if (target.type == query::Target::Type::kCount) {
      flags[g] = (matched > 0 || condition_->include_zero) &&
                 CompareTarget(target.op, matched, target.value);
    } else {
      long double sum = int_sums_.empty() ? static_cast<long double>(float_sums_[g].value())
                                          : static_cast<long double>(int_sums_[g]);
      flags[g] = matched > 0 && CompareTarget(target.op, sum, target.value);
    }
  }
  return flags;
}

}  // namespace frocket::engine
