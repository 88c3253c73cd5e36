#include "table/part.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <numeric>

namespace frocket::table {

namespace {

// A stable permutation sorting `keys` ascending: LSD radix sort over the bytes that vary.
std::vector<uint32_t> SortPermutation(const int64_t* keys, int64_t n) {
  std::vector<uint32_t> perm(static_cast<size_t>(n));
  std::iota(perm.begin(), perm.end(), 0u);
  if (n < 2) return perm;
  // Flip the sign bit so that unsigned byte order is signed order.
  auto ukey = [&](uint32_t i) { return static_cast<uint64_t>(keys[i]) ^ (uint64_t{1} << 63); };
  uint64_t all_or = 0, all_and = ~uint64_t{0};
  for (int64_t i = 0; i < n; ++i) {
    all_or |= ukey(static_cast<uint32_t>(i));
    all_and &= ukey(static_cast<uint32_t>(i));
  }
  const uint64_t varying = all_or ^ all_and;
  std::vector<uint32_t> scratch(perm.size());
  for (int byte = 0; byte < 8; ++byte) {
    if (((varying >> (byte * 8)) & 0xff) == 0) continue;  // all rows agree: nothing to sort
    size_t count[257] = {};
    for (uint32_t i : perm) ++count[((ukey(i) >> (byte * 8)) & 0xff) + 1];
    for (int b = 0; b < 256; ++b) count[b + 1] += count[b];
    for (uint32_t i : perm) scratch[count[(ukey(i) >> (byte * 8)) & 0xff]++] = i;
    perm.swap(scratch);
  }
  return perm;
}

template <typename T>
void GatherValues(Buffer* values, const std::vector<uint32_t>& perm) {
  Buffer out(perm.size() * sizeof(T));
  const T* src = values->as<T>();
  T* dst = out.as<T>();
  for (size_t i = 0; i < perm.size(); ++i) dst[i] = src[perm[i]];
  *values = std::move(out);
}

void GatherValidity(Buffer* validity, const std::vector<uint32_t>& perm) {
  if (validity->empty()) return;
  Buffer out;
  out.ResizeZeroed(bitmap::BytesFor(perm.size()));
  for (size_t i = 0; i < perm.size(); ++i) {
    if (bitmap::Get(validity->data(), perm[i])) bitmap::Set(out.data(), i);
  }
  *validity = std::move(out);
}

void Permute(Column* c, const std::vector<uint32_t>& perm) {
  GatherValidity(&c->validity, perm);
  switch (c->type) {
    case ColumnType::kInt:
      GatherValues<int64_t>(&c->values, perm);
      return;
    case ColumnType::kFloat:
      GatherValues<double>(&c->values, perm);
      return;
    case ColumnType::kBool:
      GatherValues<uint8_t>(&c->values, perm);
      return;
    case ColumnType::kString: {
      parquet::ColumnVector& v = c->strings;
      GatherValidity(&v.validity, perm);
      if (v.is_dictionary()) {
        GatherValues<int32_t>(&v.codes, perm);
        return;
      }
      Buffer offsets((perm.size() + 1) * sizeof(uint32_t));
      Buffer data(v.data.size());
      uint32_t* o = offsets.as<uint32_t>();
      o[0] = 0;
      size_t pos = 0;
      for (size_t i = 0; i < perm.size(); ++i) {
        std::string_view s = v.StringAt(perm[i]);
        if (!s.empty()) std::memcpy(data.data() + pos, s.data(), s.size());
        pos += s.size();
        o[i + 1] = static_cast<uint32_t>(pos);
      }
      v.offsets = std::move(offsets);
      v.data = std::move(data);
      return;
    }
  }
}

}  // namespace

int64_t FloatTimeKey(double t) {
  if (t == 0) t = 0;  // -0.0 is 0.0
  auto bits = std::bit_cast<int64_t>(t);
  // Positive doubles order like their bit patterns; negative ones in reverse.
  return bits >= 0 ? bits : bits ^ INT64_MAX;
}

Result<std::shared_ptr<Part>> Part::Make(std::vector<Column> columns,
                                         const std::string& group_column,
                                         const std::string& time_column) {
  std::shared_ptr<Part> part(new Part());
  part->columns_ = std::move(columns);
  const size_t none = part->columns_.size();
  part->group_index_ = none;
  part->time_index_ = none;
  int64_t n = part->columns_.empty() ? 0 : part->columns_[0].length;
  for (size_t i = 0; i < part->columns_.size(); ++i) {
    const Column& c = part->columns_[i];
    if (c.length != n) {
      return Status::Invalid("column '" + c.name + "' has " + std::to_string(c.length) +
                             " rows, other columns " + std::to_string(n));
    }
    if (c.name == group_column) part->group_index_ = i;
    if (c.name == time_column) part->time_index_ = i;
  }
  if (part->group_index_ == none) {
    return Status::Invalid("group id column '" + group_column + "' is missing");
  }
  if (part->time_index_ == none) {
    return Status::Invalid("timestamp column '" + time_column + "' is missing");
  }
  part->num_rows_ = n;

  const Column& group = part->columns_[part->group_index_];
  if (group.type != ColumnType::kInt && group.type != ColumnType::kString) {
    return Status::Invalid("group id column '" + group_column + "' is " +
                           ColumnTypeName(group.type) + "; it must be INT or STRING");
  }
  if (group.null_count > 0) {
    return Status::Invalid("group id column '" + group_column + "' has " +
                           std::to_string(group.null_count) + " null values");
  }
  Column& time = part->columns_[part->time_index_];
  if (time.type != ColumnType::kInt && time.type != ColumnType::kFloat) {
    return Status::Invalid("timestamp column '" + time_column + "' is " +
                           ColumnTypeName(time.type) + "; it must be INT or FLOAT");
  }
  if (time.null_count > 0) {
    return Status::Invalid("timestamp column '" + time_column + "' has " +
                           std::to_string(time.null_count) + " null values");
  }

  // Time keys, then timestamp order if the rows are not in it already.
  auto compute_keys = [&] {
    if (time.type == ColumnType::kInt) {
      part->time_keys_ = time.ints();
      return Status::OK();
    }
    part->float_time_keys_.Resize(static_cast<size_t>(n) * sizeof(int64_t));
    int64_t* keys = part->float_time_keys_.as<int64_t>();
    for (int64_t r = 0; r < n; ++r) {
      double t = time.floats()[r];
      if (std::isnan(t)) {
        return Status::Invalid("timestamp column '" + time_column + "' holds NaN at row " +
                               std::to_string(r));
      }
      keys[r] = FloatTimeKey(t);
    }
    part->time_keys_ = keys;
    return Status::OK();
  };
  FROCKET_RETURN_IF_ERROR(compute_keys());
  if (!std::is_sorted(part->time_keys_, part->time_keys_ + n)) {
    std::vector<uint32_t> perm = SortPermutation(part->time_keys_, n);
    for (Column& c : part->columns_) Permute(&c, perm);
    FROCKET_RETURN_IF_ERROR(compute_keys());
  }

  part->group_codes_ = ValueCodes::Encode(part->columns_[part->group_index_]);
  part->group_row_counts_.assign(static_cast<size_t>(part->group_codes_.num_values()), 0);
  const int32_t* ordinals = part->group_codes_.codes();
  for (int64_t r = 0; r < n; ++r) ++part->group_row_counts_[static_cast<size_t>(ordinals[r])];
  return part;
}

const Column* Part::FindColumn(const std::string& name) const {
  for (const Column& c : columns_) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

int64_t Part::LowerBoundRow(int64_t t) const {
  int64_t key = t;
  if (time_column().type == ColumnType::kFloat) key = FloatTimeKey(static_cast<double>(t));
  return std::lower_bound(time_keys_, time_keys_ + num_rows_, key) - time_keys_;
}

int64_t Part::LowerBoundRow(double t) const {
  int64_t key;
  if (time_column().type == ColumnType::kFloat) {
    key = FloatTimeKey(t);
  } else {
    // Integer timestamps >= t are those >= ceil(t).
    double c = std::ceil(t);
    if (c >= 9.2233720368547758e18) return num_rows_;
    if (c <= -9.2233720368547758e18) return 0;
    key = static_cast<int64_t>(c);
  }
  return std::lower_bound(time_keys_, time_keys_ + num_rows_, key) - time_keys_;
}

const ValueCodes& Part::Codes(const std::string& column) const {
  if (column == group_column().name) return group_codes_;
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = codes_.find(column);
  if (it == codes_.end()) {
    it = codes_
             .emplace(column, std::make_unique<ValueCodes>(ValueCodes::Encode(*FindColumn(column))))
             .first;
  }
  return *it->second;
}

const Part::RowsByGroup& Part::rows_by_group() const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!rows_by_group_) {
    auto r = std::make_unique<RowsByGroup>();
    const size_t groups = static_cast<size_t>(num_groups());
    r->offsets.assign(groups + 1, 0);
    for (size_t g = 0; g < groups; ++g) r->offsets[g + 1] = r->offsets[g] + group_row_counts_[g];
    r->rows.resize(static_cast<size_t>(num_rows_));
    std::vector<uint32_t> next(r->offsets.begin(), r->offsets.end() - 1);
    const int32_t* ordinals = group_ordinals();
    for (int64_t row = 0; row < num_rows_; ++row) {
      r->rows[next[static_cast<size_t>(ordinals[row])]++] = static_cast<uint32_t>(row);
    }
    rows_by_group_ = std::move(r);
  }
  return *rows_by_group_;
}

size_t Part::MemoryUsage() const {
  size_t bytes = float_time_keys_.capacity() + group_codes_.MemoryUsage() +
                 group_row_counts_.capacity() * sizeof(uint32_t);
  for (const Column& c : columns_) bytes += c.MemoryUsage();
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [name, codes] : codes_) bytes += codes->MemoryUsage();
  if (rows_by_group_) {
    bytes += (rows_by_group_->offsets.capacity() + rows_by_group_->rows.capacity()) * 4;
  }
  return bytes;
}

}  // namespace frocket::table
