// ParquetWriter: writes frocket's own Parquet files (generated datasets, test data).
//
// Flat schemas of BOOLEAN, INT32, INT64, DOUBLE and BYTE_ARRAY (UTF-8 strings) columns,
// REQUIRED or OPTIONAL. Per column chunk the writer picks the encoding: DELTA_BINARY_PACKED
// for integers in ascending order, a dictionary (RLE_DICTIONARY) when few distinct values
// repeat, PLAIN otherwise. Data pages (v2, with CRCs) are bounded in size, compressed with
// SNAPPY or ZSTD, and every chunk carries min/max/null-count statistics.
//
// The file appears at its path only when Close() succeeds: until then it is written under a
// temporary name next to it, and removed if the writer is destroyed unclosed.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "parquet/column_vector.h"
#include "parquet/metadata.h"
#include "parquet/types.h"

namespace frocket::parquet {

struct WriterColumn {
  std::string name;
  PhysicalType physical_type = PhysicalType::kInt64;  // BOOLEAN, INT32, INT64, DOUBLE, BYTE_ARRAY
  bool nullable = false;
  std::optional<LogicalType> logical_type;  // e.g. STRING for BYTE_ARRAY text
};

struct WriterOptions {
  CompressionCodec codec = CompressionCodec::kZstd;
  int zstd_level = 1;
  // Uncompressed bytes of values per data page, at most (roughly: pages split by row count).
  int64_t page_bytes = 1 << 20;
  // A chunk is dictionary-encoded only if its dictionary stays within these bounds and is
  // much smaller than the values it replaces.
  int64_t dictionary_max_entries = 1 << 16;
  int64_t dictionary_max_bytes = 1 << 20;
  // Every chunk but BOOLEAN dictionary-encoded (within the bounds above), whatever it saves
  // and whatever the order: the layout pyarrow writes by default, which tests need.
  bool always_dictionary = false;
  std::vector<KeyValue> key_value_metadata;
  std::string created_by = "frocket";
};

class ParquetWriter {
 public:
  static Result<std::unique_ptr<ParquetWriter>> Create(const std::string& path,
                                                       std::vector<WriterColumn> columns,
                                                       WriterOptions options = {});
  ~ParquetWriter();

  // Appends a row group: one vector per column, all of the same length, in plain form — or a
  // BYTE_ARRAY one in dictionary form whose entries are distinct: the same bytes are written
  // as for its values in plain form, its codes sparing the writer hashing the strings.
  Status WriteRowGroup(std::span<const ColumnVector> columns);

  // Writes the footer and moves the file into place.
  Status Close();

 private:
  ParquetWriter() = default;
  Status Write(const uint8_t* data, size_t size);

  std::string path_;
  std::string temp_path_;
  int fd_ = -1;
  uint64_t offset_ = 0;
  std::vector<WriterColumn> columns_;
  WriterOptions options_;
  FileMetaData metadata_;
  bool closed_ = false;
};

}  // namespace frocket::parquet
