#include "table/column.h"

#include <cstring>

namespace frocket::table {

namespace {

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

}  // namespace

void Column::Gather(const std::vector<uint32_t>& perm) {
  const bool every_row = static_cast<int64_t>(perm.size()) == length;
  GatherValidity(&validity, perm);
  length = static_cast<int64_t>(perm.size());
  null_count = validity.empty()
                   ? 0
                   : length - static_cast<int64_t>(bitmap::CountSet(validity.data(), perm.size()));
  if (type == ColumnType::kString || is_dictionary()) {
    // `encoded` gave its validity to the column (ToColumn): its counts are the column's.
    encoded.length = length;
    encoded.null_count = null_count;
  }
  switch (type) {
    case ColumnType::kInt:
      if (is_dictionary()) {
        GatherValues<int32_t>(&encoded.codes, perm);
        lazy_ = std::make_unique<Lazy>();  // ints() made before would be in the old order
      } else {
        GatherValues<int64_t>(&values, perm);
      }
      return;
    case ColumnType::kFloat:
      GatherValues<double>(&values, perm);
      return;
    case ColumnType::kBool:
      GatherValues<uint8_t>(&values, perm);
      return;
    case ColumnType::kString: {
      parquet::ColumnVector& v = encoded;
      if (v.is_dictionary()) {
        GatherValues<int32_t>(&v.codes, perm);
        return;
      }
      size_t bytes = v.data.size();
      if (!every_row) {
        bytes = 0;
        for (uint32_t row : perm) bytes += v.StringAt(row).size();
      }
      Buffer offsets((perm.size() + 1) * sizeof(uint32_t));
      Buffer data(bytes);
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
