#include "table/column.h"

#include <cstring>

namespace frocket::table {

int64_t Column::DictionaryInt(int32_t code) const {
  // Loaders widen INT dictionaries to int64 (see ToColumn).
  return encoded.dictionary->values_as<int64_t>()[code];
}

const int64_t* Column::ints() const {
  if (!values.empty() || !encoded.is_dictionary()) return values.as<int64_t>();
  std::call_once(lazy_->once, [this] {
    Buffer& out = lazy_->values;
    out.Resize(static_cast<size_t>(length) * sizeof(int64_t));
    int64_t* v = out.as<int64_t>();
    const int64_t* dict = encoded.dictionary->values_as<int64_t>();
    const int32_t* codes = encoded.codes.as<int32_t>();
    const int32_t null_code = static_cast<int32_t>(encoded.dictionary->length);
    for (int64_t r = 0; r < length; ++r) v[r] = codes[r] == null_code ? 0 : dict[codes[r]];
  });
  return lazy_->values.as<int64_t>();
}

size_t Column::MemoryUsage() const {
  return validity.capacity() + values.capacity() + encoded.MemoryUsage() + lazy_->values.capacity();
}

}  // namespace frocket::table
