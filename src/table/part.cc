#include "table/part.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <numeric>
#include <utility>

namespace frocket::table {

namespace {

constexpr int kMaxDigit = 9;  // more buckets than this thrash the caches on the scatter

// Sorts `items` by their bits [low_bit, low_bit + bits), stably: LSD radix passes of at most
// kMaxDigit bits, each pass's histogram counted in one read beforehand, a pass whose digit is
// the same for every item skipped.
void RadixSort(std::vector<uint64_t>* items, int low_bit, int bits) {
  const int passes = (bits + kMaxDigit - 1) / kMaxDigit;
  if (passes == 0) return;
  const int digit = (bits + passes - 1) / passes;
  const uint64_t mask = (uint64_t{1} << digit) - 1;
  const size_t buckets = size_t{1} << digit;
  std::vector<size_t> start(static_cast<size_t>(passes) * buckets);
  for (uint64_t x : *items) {
    for (int p = 0; p < passes; ++p) {
      ++start[static_cast<size_t>(p) * buckets + ((x >> (low_bit + p * digit)) & mask)];
    }
  }
  std::vector<uint64_t> out(items->size());
  for (int p = 0; p < passes; ++p) {
    size_t* s = &start[static_cast<size_t>(p) * buckets];
    if (std::find(s, s + buckets, items->size()) != s + buckets) continue;
    size_t sum = 0;
    for (size_t b = 0; b < buckets; ++b) sum += std::exchange(s[b], sum);
    const int shift = low_bit + p * digit;
    for (uint64_t x : *items) out[s[(x >> shift) & mask]++] = x;
    items->swap(out);
  }
}

// A buffer of the int64 values `words` holds (which it takes, so as not to copy them).
Buffer BufferOf(std::vector<uint64_t> words) {
  auto owner = std::make_shared<std::vector<uint64_t>>(std::move(words));
  return Buffer::View({reinterpret_cast<uint8_t*>(owner->data()), owner->size() * 8}, owner);
}

// The rows `perm` (ascending) sorted stably by key, keys - base of `bits` bits: (key, row)
// pairs moved together, so each pass reads them in order (sorting the row numbers alone loaded
// each row's key at random, a cache miss per row and pass: 5x as long). Packed in one word
// when they fit (key above the row number, half the bytes moved), else in two.
// *sorted: the keys in that order, made in place of the sorted words — as they come out of
// the sort, where gathering them by the permutation would load each at random, and in no
// memory more than the sort's.
void SortRowsByKey(const int64_t* keys, uint64_t base, int bits, std::vector<uint32_t>* perm,
                   Buffer* sorted) {
  const size_t rows = perm->size();
  const int row_bits = std::bit_width(static_cast<uint64_t>(perm->back()));
  if (bits + row_bits <= 64) {
    std::vector<uint64_t> items(rows);
    for (size_t i = 0; i < rows; ++i) {
      items[i] = ((static_cast<uint64_t>(keys[(*perm)[i]]) - base) << row_bits) | (*perm)[i];
    }
    RadixSort(&items, row_bits, bits);
    const uint64_t row_mask = (uint64_t{1} << row_bits) - 1;
    for (size_t i = 0; i < rows; ++i) {
      (*perm)[i] = static_cast<uint32_t>(items[i] & row_mask);
      items[i] = (items[i] >> row_bits) + base;
    }
    *sorted = BufferOf(std::move(items));
    return;
  }
  const int passes = (bits + kMaxDigit - 1) / kMaxDigit;
  const int digit = (bits + passes - 1) / passes;
  const uint64_t mask = (uint64_t{1} << digit) - 1;
  std::vector<uint64_t> key(rows), key_out(rows);
  for (size_t i = 0; i < rows; ++i) key[i] = static_cast<uint64_t>(keys[(*perm)[i]]) - base;
  std::vector<uint32_t> perm_out(rows);
  std::vector<size_t> start(size_t{1} << digit);
  for (int shift = 0; shift < bits; shift += digit) {
    std::fill(start.begin(), start.end(), 0);
    for (uint64_t k : key) ++start[(k >> shift) & mask];
    size_t sum = 0;
    for (size_t& s : start) sum += std::exchange(s, sum);
    for (size_t i = 0; i < rows; ++i) {
      const size_t to = start[(key[i] >> shift) & mask]++;
      key_out[to] = key[i];
      perm_out[to] = (*perm)[i];
    }
    key.swap(key_out);
    perm->swap(perm_out);
  }
  key_out = {};
  for (uint64_t& k : key) k += base;
  *sorted = BufferOf(std::move(key));
}

// A stable permutation sorting `keys` ascending, of only the rows whose keys are inside
// `range` (the others are left out): radix-sorted over the bits that vary. *sorted: the keys
// in that order.
std::vector<uint32_t> SortPermutation(const int64_t* keys, int64_t n, const TimeKeyRange& range,
                                      Buffer* sorted) {
  std::vector<uint32_t> perm;
  sorted->Resize(0);
  if (range.empty) return perm;
  const int64_t from = range.from.value_or(INT64_MIN);
  const bool bounded_above = range.to.has_value();
  const int64_t to = range.to.value_or(0);
  perm.reserve(static_cast<size_t>(n));
  int64_t low = INT64_MAX, high = INT64_MIN;
  for (int64_t r = 0; r < n; ++r) {
    const int64_t k = keys[r];
    if (k < from || (bounded_above && k >= to)) continue;
    perm.push_back(static_cast<uint32_t>(r));
    low = std::min(low, k);
    high = std::max(high, k);
  }
  const auto base = static_cast<uint64_t>(low);
  const int bits = perm.size() < 2 ? 0 : std::bit_width(static_cast<uint64_t>(high) - base);
  if (bits > 0) {
    SortRowsByKey(keys, base, bits, &perm, sorted);
  } else {
    sorted->Resize(perm.size() * sizeof(int64_t));
    for (size_t i = 0; i < perm.size(); ++i) sorted->as<int64_t>()[i] = keys[perm[i]];
  }
  return perm;
}

}  // namespace

int64_t FloatTimeKey(double t) {
  if (t == 0) t = 0;  // -0.0 is 0.0
  auto bits = std::bit_cast<int64_t>(t);
  // Positive doubles order like their bit patterns; negative ones in reverse.
  return bits >= 0 ? bits : bits ^ INT64_MAX;
}

Status CheckKeyColumns(const Column& group, const Column* time) {
  if (group.type != ColumnType::kInt && group.type != ColumnType::kString) {
    return Status::Invalid("group id column '" + group.name + "' is " + ColumnTypeName(group.type) +
                           "; it must be INT or STRING");
  }
  if (group.null_count > 0) {
    return Status::Invalid("group id column '" + group.name + "' has " +
                           std::to_string(group.null_count) + " null values");
  }
  if (time != nullptr && time->type != ColumnType::kInt && time->type != ColumnType::kFloat) {
    return Status::Invalid("timestamp column '" + time->name + "' is " +
                           ColumnTypeName(time->type) + "; it must be INT or FLOAT");
  }
  if (time != nullptr && time->null_count > 0) {
    return Status::Invalid("timestamp column '" + time->name + "' has " +
                           std::to_string(time->null_count) + " null values");
  }
  return Status::OK();
}

Result<std::shared_ptr<Part>> Part::Make(std::vector<Column> columns,
                                         const std::string& group_column,
                                         const std::string& time_column, bool time_optional,
                                         const TimeKeyRange& timeframe) {
  int64_t n = columns.empty() ? 0 : columns[0].length;
  Column* group = nullptr;
  Column* time = nullptr;
  for (Column& c : columns) {
    if (c.length != n) {
      return Status::Invalid("column '" + c.name + "' has " + std::to_string(c.length) +
                             " rows, other columns " + std::to_string(n));
    }
    if (c.name == group_column) group = &c;
    if (c.name == time_column) time = &c;
  }
  if (group == nullptr) return Status::Invalid("group id column '" + group_column + "' is missing");
  if (time == nullptr && !time_optional) {
    return Status::Invalid("timestamp column '" + time_column + "' is missing");
  }
  FROCKET_RETURN_IF_ERROR(CheckKeyColumns(*group, time));

  auto shared = std::make_shared<Shared>();
  shared->num_rows = n;
  shared->read_rows = n;
  shared->group_column = group_column;
  shared->time_column = time_column;
  // Time keys, then timestamp order if the rows are not in it already.
  auto compute_keys = [&]() -> Status {
    if (time->type == ColumnType::kInt) {
      shared->time_keys = time->ints();
      return Status::OK();
    }
    shared->float_time_keys.Resize(static_cast<size_t>(n) * sizeof(int64_t));
    int64_t* keys = shared->float_time_keys.as<int64_t>();
    for (int64_t r = 0; r < n; ++r) {
      double t = time->floats()[r];
      if (std::isnan(t)) {
        return Status::Invalid("timestamp column '" + time_column + "' holds NaN at row " +
                               std::to_string(r));
      }
      keys[r] = FloatTimeKey(t);
    }
    shared->time_keys = keys;
    return Status::OK();
  };
  if (time != nullptr) FROCKET_RETURN_IF_ERROR(compute_keys());
  if (time != nullptr && !std::is_sorted(shared->time_keys, shared->time_keys + n)) {
    Buffer sorted_keys;
    shared->order = SortPermutation(shared->time_keys, n, timeframe, &sorted_keys);
    n = static_cast<int64_t>(shared->order.size());
    shared->num_rows = n;
    for (Column& c : columns) {
      if (&c == time && time->type == ColumnType::kInt && !time->is_dictionary()) {
        // Plain INT timestamps are their keys: the sorted keys are the column in its new
        // order (a dictionary-form column keeps its form: its codes are gathered).
        Column sorted;
        sorted.name = time->name;
        sorted.type = ColumnType::kInt;
        sorted.length = n;
        sorted.values = std::move(sorted_keys);
        c = std::move(sorted);
      } else {
        c.Gather(shared->order);
      }
    }
    FROCKET_RETURN_IF_ERROR(compute_keys());
    shared->coverage = timeframe;
  }

  std::shared_ptr<Part> part(new Part());
  part->shared_ = shared;
  for (Column& c : columns) part->columns_.push_back(std::make_shared<const Column>(std::move(c)));
  // The time keys of INT timestamps are the column's values: point at the column as stored.
  if (time != nullptr && part->time_column().type == ColumnType::kInt) {
    shared->time_keys = part->time_column().ints();
  }
  shared->group_codes = ValueCodes::Encode(part->group_column());
  return part;
}

const std::vector<uint32_t>& Part::group_row_counts() const {
  Shared& s = *shared_;
  std::call_once(s.group_rows_once, [&s] {
    s.group_row_counts.assign(static_cast<size_t>(s.group_codes.num_values()), 0);
    const int32_t* ordinals = s.group_codes.codes();
    for (int64_t r = 0; r < s.num_rows; ++r) ++s.group_row_counts[static_cast<size_t>(ordinals[r])];
  });
  return s.group_row_counts;
}

Result<std::shared_ptr<Part>> Part::WithColumns(std::vector<Column> more) const {
  std::shared_ptr<Part> part(new Part());
  part->shared_ = shared_;
  part->columns_ = columns_;
  for (Column& c : more) {
    if (c.length != shared_->read_rows) {
      return Status::Invalid("column '" + c.name + "' has " + std::to_string(c.length) +
                             " rows, the part " + std::to_string(shared_->read_rows));
    }
    if (FindColumn(c.name) != nullptr) continue;
    if (c.name == shared_->time_column) {
      return Status::Invalid(
          "internal error: timestamps cannot be added to a part read without "
          "them (its rows are not in time order); read it again");
    }
    if (!shared_->order.empty() || shared_->num_rows != shared_->read_rows) {
      c.Gather(shared_->order);
    }
    part->columns_.push_back(std::make_shared<const Column>(std::move(c)));
  }
  return part;
}

const Column* Part::FindColumn(const std::string& name) const {
  for (const auto& c : columns_) {
    if (c->name == name) return c.get();
  }
  return nullptr;
}

bool Part::HasColumns(const std::vector<std::string>& names) const {
  for (const auto& n : names) {
    if (FindColumn(n) == nullptr) return false;
  }
  return true;
}

std::optional<int64_t> TimeKeyAtOrAbove(ColumnType time_type, int64_t t) {
  if (time_type == ColumnType::kFloat) return FloatTimeKey(static_cast<double>(t));
  return t;
}

std::optional<int64_t> TimeKeyAtOrAbove(ColumnType time_type, double t) {
  if (time_type == ColumnType::kFloat) return FloatTimeKey(t);
  // Integer timestamps >= t are those >= ceil(t).
  const double c = std::ceil(t);
  if (c >= 9.2233720368547758e18) return std::nullopt;
  if (c <= -9.2233720368547758e18) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(c);
}

bool TimeKeyRange::Contains(const TimeKeyRange& other) const {
  if (other.empty) return true;
  if (empty) return false;
  const bool from_ok = !from || (other.from && *other.from >= *from);
  const bool to_ok = !to || (other.to && *other.to <= *to);
  return from_ok && to_ok;
}

int64_t Part::LowerBoundRow(int64_t t) const {
  const std::optional<int64_t> key = TimeKeyAtOrAbove(time_column().type, t);
  return std::lower_bound(time_keys(), time_keys() + num_rows(), *key) - time_keys();
}

int64_t Part::LowerBoundRow(double t) const {
  const std::optional<int64_t> key = TimeKeyAtOrAbove(time_column().type, t);
  if (!key) return num_rows();
  return std::lower_bound(time_keys(), time_keys() + num_rows(), *key) - time_keys();
}

const ValueCodes& Part::Codes(const std::string& column) const {
  if (column == shared_->group_column) return shared_->group_codes;
  std::lock_guard<std::mutex> lock(shared_->mutex);
  auto it = shared_->codes.find(column);
  if (it == shared_->codes.end()) {
    std::shared_ptr<const Column> owner;
    for (const auto& c : columns_) {
      if (c->name == column) owner = c;
    }
    auto codes = std::make_unique<ValueCodes>(ValueCodes::Encode(*owner));
    it = shared_->codes.emplace(column, Shared::CachedCodes{owner, std::move(codes)}).first;
  }
  return *it->second.codes;
}

const Part::RowsByGroup& Part::rows_by_group() const {
  std::lock_guard<std::mutex> lock(shared_->mutex);
  if (!shared_->rows_by_group) {
    auto r = std::make_unique<RowsByGroup>();
    const size_t groups = static_cast<size_t>(num_groups());
    r->offsets.assign(groups + 1, 0);
    for (size_t g = 0; g < groups; ++g) r->offsets[g + 1] = r->offsets[g] + group_row_counts()[g];
    r->rows.resize(static_cast<size_t>(num_rows()));
    std::vector<uint32_t> next(r->offsets.begin(), r->offsets.end() - 1);
    const int32_t* ordinals = group_ordinals();
    for (int64_t row = 0; row < num_rows(); ++row) {
      r->rows[next[static_cast<size_t>(ordinals[row])]++] = static_cast<uint32_t>(row);
    }
    shared_->rows_by_group = std::move(r);
  }
  return *shared_->rows_by_group;
}

size_t Part::MemoryUsage() const {
  size_t bytes = shared_->float_time_keys.capacity() + shared_->group_codes.MemoryUsage() +
                 (static_cast<size_t>(num_groups()) + shared_->order.capacity()) * 4;
  for (const auto& c : columns_) bytes += c->MemoryUsage();
  std::lock_guard<std::mutex> lock(shared_->mutex);
  for (const auto& [name, cached] : shared_->codes) bytes += cached.codes->MemoryUsage();
  if (shared_->rows_by_group) {
    bytes +=
        (shared_->rows_by_group->offsets.capacity() + shared_->rows_by_group->rows.capacity()) * 4;
  }
  return bytes;
}

}  // namespace frocket::table
