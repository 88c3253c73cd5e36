// libFuzzer target: a whole Parquet file from untrusted bytes — footer, schema, every column
// chunk in both output forms, and the statistics. Any crash, sanitizer report, hang or
// allocation beyond the limit is a bug; errors are the expected outcome for most inputs.
#include <cstdint>
#include <vector>

#include "parquet/file_reader.h"
#include "storage/memory_source.h"

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
      auto column = f.ReadColumn(c, options);
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
