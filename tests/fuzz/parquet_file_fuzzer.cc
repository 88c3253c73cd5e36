// libFuzzer target: a whole Parquet file from untrusted bytes — footer, schema, every column
// chunk in both output forms, integer columns also counted (checked against their rows), and
// the statistics. Any crash, sanitizer report, hang or allocation beyond the limit is a bug;
// errors are the expected outcome for most inputs.
#include <cstdint>
#include <set>
#include <vector>

#include "parquet/file_reader.h"
#include "storage/memory_source.h"

namespace {

// The distinct form of an integer column must fail exactly where reading the column in
// dictionary form (as a part is loaded) fails, and otherwise count the distinct values and
// nulls of the rows read.
void CheckDistinctCount(const frocket::parquet::ParquetFile& f, int c,
                        const frocket::parquet::ReadOptions& options,
                        const frocket::Result<frocket::parquet::ColumnVector>& column) {
  using frocket::parquet::PhysicalType;
  const PhysicalType type = f.schema().column(c).physical_type;
  if (type != PhysicalType::kInt32 && type != PhysicalType::kInt64) return;
  auto count = f.CountDistinctIntegers(c, 0, f.num_row_groups(), options);
  if (count.ok() != column.ok()) __builtin_trap();
  if (!column.ok()) return;
  const auto& v = *column;
  std::set<int64_t> distinct;
  for (int64_t r = 0; r < v.length; ++r) {
    if (v.IsNull(r)) continue;
    if (v.is_dictionary()) {
      distinct.insert(v.CodeAt(r));  // merged entries are distinct values
    } else {
      distinct.insert(type == PhysicalType::kInt32 ? v.values_as<int32_t>()[r]
                                                   : v.values_as<int64_t>()[r]);
    }
  }
  if (count->rows != v.length || count->nulls != v.null_count ||
      count->distinct != static_cast<int64_t>(distinct.size())) {
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto source = std::make_shared<frocket::MemorySource>("fuzz.parquet",
                                                        std::vector<uint8_t>(data, data + size));
  auto file = frocket::parquet::ParquetFile::Open(source);
  if (!file.ok()) return 0;
  const auto& f = **file;
  frocket::parquet::ReadOptions options;
  // Page CRCs would reject most mutations of page bytes before the decoders see them.
  options.verify_checksums = false;
  options.max_column_bytes = 64 << 20;
  for (int c = 0; c < f.schema().num_columns(); ++c) {
    for (int g = 0; g < f.num_row_groups(); ++g) (void)f.statistics(g, c);
    for (bool dictionary : {false, true}) {
      options.dictionary_strings = dictionary;
      options.dictionary_integers = dictionary;
      auto column = f.ReadColumn(c, options);
      if (dictionary) CheckDistinctCount(f, c, options, column);
      if (!column.ok()) continue;
      // Touch every value so that a wrong length or offset shows up under ASan.
      const auto& v = *column;
      if (v.physical_type == frocket::parquet::PhysicalType::kByteArray && !v.is_dictionary()) {
        size_t total = 0;
        for (int64_t r = 0; r < v.length; ++r) total += v.StringAt(r).size();
        if (total > v.data.size()) __builtin_trap();
      }
      if (v.is_dictionary()) {
        for (int64_t r = 0; r < v.length; ++r) {
          int32_t code = v.CodeAt(r);
          if (code < 0 || code > v.dictionary->length) __builtin_trap();
          if (!v.IsNull(r) && code == v.dictionary->length) __builtin_trap();
        }
      }
    }
  }
  return 0;
}
