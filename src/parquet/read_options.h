// ReadOptions: how the Parquet reader decodes columns.
#pragma once

#include <cstdint>

namespace frocket::parquet {

struct ReadOptions {
  // Verify the CRC32 of every page that carries one; a mismatch is an error.
  bool verify_checksums = true;

  // Return a BYTE_ARRAY column whose data pages are all dictionary-encoded in dictionary form
  // (dictionary + codes, see ColumnVector), without materialising a string per row. A column
  // with any plain-encoded page comes back in plain form.
  bool dictionary_strings = false;

  // The same for INT32 and INT64 columns: their codes number the distinct values, which the
  // engine uses as group ordinals without hashing a value per row.
  bool dictionary_integers = false;

  // Upper bound on the bytes one decoded column may take (values, offsets, string data,
  // decompressed pages). Footers and pages can claim sizes far beyond what their bytes hold;
  // this keeps a hostile file from making the reader allocate without bound.
  uint64_t max_column_bytes = uint64_t{4} << 30;
};

}  // namespace frocket::parquet
